/**
 * Parses and validates a schedule file's text (JSON, or YAML for `.yaml`/`.yml`) into a
 * `Schedule`. Pure: no file system. It reports every problem it finds, not just the first, each
 * naming the field's path (`segments[2].end: must be after start (start 9 ≥ end 8)`). Style images
 * are resolved against the schedule's folder but not opened here (`checkScheduleImages` does).
 *
 * The format:
 * - `segments` (required, at least one), each with
 *   - `start`, `end`: seconds (`4.5`) or `"[h:]mm:ss[.fff]"` (`"0:04.5"`); end after start;
 *   - `style`: an image path, a blend list of paths or `{ image, weight }` (weights above 0,
 *     default 1, normalized to sum to 1), or `null` for unstyled (the original pixels);
 *   - optional `alpha` (0..1, or one per model level; default 1), `preserveColor` (default
 *     false), `transition` (overrides the file's), `name` (shown by `schedule check`).
 * - `transition`: seconds, default 0.5; `loop`: repeat the schedule (live), default false.
 * Segments may be listed in any order but must not overlap (touching is fine); times in no
 * segment are unstyled. Unknown fields are errors (a typo must not be silently ignored). Times
 * beyond the video's end are warnings.
 */
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { ALPHA_RULE, isStrength, isWeight, WEIGHT_RULE } from '../style-values.js';
import { describeValue } from './describe-value.js';
import { formatTime, parseTime } from './parse-time.js';
import type { ScheduleProblem } from './schedule-problem.js';
import {
  DEFAULT_TRANSITION_SECONDS,
  secondsToMs,
  type Schedule,
  type ScheduleSegment,
  type ScheduleStyleImage,
} from './schedule.js';

export interface ParseScheduleOptions {
  /** The schedule file's path: images resolve against its folder; its extension picks YAML. */
  path: string;
  /** The video's duration, when known: times beyond it are reported. */
  durationMs?: number;
  /** The model's number of AdaIN levels, when known: per-level `alpha` arrays must match it. */
  levels?: number;
}

export interface ScheduleParseResult {
  /** The schedule, when there are no problems. */
  schedule: Schedule | undefined;
  /** Errors: the schedule must not be used while there are any. */
  problems: ScheduleProblem[];
  /** Worth telling the user, but the schedule works (times beyond the video's end). */
  warnings: ScheduleProblem[];
  /** Every style image the file names, resolved, even when other fields had problems. */
  imageRefs: { path: string; field: string }[];
}

/** A segment's valid time range, checked for overlaps even when other fields have problems. */
interface SegmentSpan {
  index: number;
  startMs: number;
  endMs: number;
}

const ROOT_FIELDS = ['segments', 'transition', 'loop'];
const SEGMENT_FIELDS = ['start', 'end', 'style', 'alpha', 'preserveColor', 'transition', 'name'];
const STYLE_ITEM_FIELDS = ['image', 'weight'];

export function parseSchedule(text: string, options: ParseScheduleOptions): ScheduleParseResult {
  const result: ScheduleParseResult = {
    schedule: undefined,
    problems: [],
    warnings: [],
    imageRefs: [],
  };
  let document: unknown;
  try {
    document = isYamlPath(options.path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result.problems.push({
      field: '',
      message: isYamlPath(options.path)
        ? `not valid YAML: ${message.split('\n')[0]}`
        : `not valid JSON: ${describeJsonError(message, text)}`,
    });
    return result;
  }
  validateDocument(document, options, result);
  return result;
}

/**
 * `JSON.parse`'s message without the echo of the whole text, and with a line and column: from
 * its `at position N` when it gives one, else from where the YAML parser (a JSON superset) stops.
 */
function describeJsonError(message: string, text: string): string {
  const reason = message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  const position = / at position (\d+)/.exec(message);
  let where: { line: number; col: number } | undefined;
  if (position) {
    const before = text.slice(0, Number(position[1])).split('\n');
    where = { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
  } else {
    where = parseDocument(text).errors[0]?.linePos?.[0];
  }
  return where ? `${reason} (line ${where.line}, column ${where.col})` : reason;
}

function isYamlPath(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateDocument(
  document: unknown,
  options: ParseScheduleOptions,
  result: ScheduleParseResult,
): void {
  const problem = (field: string, message: string): void => {
    result.problems.push({ field, message });
  };
  const warning = (field: string, message: string): void => {
    result.warnings.push({ field, message });
  };

  if (!isRecord(document)) {
    problem('', `must be an object with "segments", got ${describeValue(document)}`);
    return;
  }
  checkUnknownFields(document, '', ROOT_FIELDS, problem);

  let transitionMs = secondsToMs(DEFAULT_TRANSITION_SECONDS);
  if (document.transition !== undefined) {
    const seconds = readTime(document.transition, 'transition', problem);
    if (seconds !== undefined) transitionMs = secondsToMs(seconds);
  }

  let loop = false;
  if (document.loop !== undefined) {
    if (typeof document.loop === 'boolean') loop = document.loop;
    else problem('loop', `must be true or false, got ${describeValue(document.loop)}`);
  }

  const rawSegments = document.segments;
  if (!Array.isArray(rawSegments)) {
    problem(
      'segments',
      rawSegments === undefined
        ? 'missing: a schedule needs a list of segments'
        : `must be a list of segments, got ${describeValue(rawSegments)}`,
    );
    return;
  }
  if (rawSegments.length === 0) {
    problem('segments', 'must have at least one segment');
    return;
  }

  const baseDir = path.dirname(path.resolve(options.path));
  const images: string[] = [];
  const segments: ScheduleSegment[] = [];
  const spans: SegmentSpan[] = [];
  const levelsSeen: { field: string; count: number }[] = [];
  let segmentsValid = true;

  rawSegments.forEach((raw: unknown, index) => {
    const at = `segments[${index}]`;
    const before = result.problems.length;
    const read = readSegment(raw, at, index, transitionMs, baseDir, images, result);
    if (read.span) spans.push(read.span);
    if (read.alpha) levelsSeen.push({ field: `${at}.alpha`, count: read.alpha.length });
    if (read.segment && result.problems.length === before) segments.push(read.segment);
    else segmentsValid = false;
  });

  checkLevels(levelsSeen, options.levels, problem);
  checkOverlaps(spans, problem);
  if (options.durationMs !== undefined) {
    checkAgainstDuration(spans, options.durationMs, warning);
  }

  if (!segmentsValid || result.problems.length > 0) return;
  segments.sort((a, b) => a.startMs - b.startMs);
  result.schedule = {
    segments,
    images,
    loop,
    levels: options.levels ?? levelsSeen[0]?.count,
    transitionMs,
  };
}

function checkUnknownFields(
  record: Record<string, unknown>,
  at: string,
  known: readonly string[],
  problem: (field: string, message: string) => void,
): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      problem(at ? `${at}.${key}` : key, `unknown field (expected one of: ${known.join(', ')})`);
    }
  }
}

/** Parses a time field; reports a problem and returns undefined when it is not a valid time. */
function readTime(
  value: unknown,
  field: string,
  problem: (field: string, message: string) => void,
): number | undefined {
  try {
    return parseTime(value);
  } catch (error) {
    problem(field, (error as Error).message);
    return undefined;
  }
}

function readSegment(
  raw: unknown,
  at: string,
  index: number,
  defaultTransitionMs: number,
  baseDir: string,
  images: string[],
  result: ScheduleParseResult,
): { segment?: ScheduleSegment; span?: SegmentSpan; alpha?: readonly number[] } {
  const problem = (field: string, message: string): void => {
    result.problems.push({ field, message });
  };
  if (!isRecord(raw)) {
    problem(at, `must be an object with start, end and style, got ${describeValue(raw)}`);
    return {};
  }
  checkUnknownFields(raw, at, SEGMENT_FIELDS, problem);

  const start =
    raw.start === undefined
      ? (problem(`${at}.start`, 'missing: every segment needs a start time'), undefined)
      : readTime(raw.start, `${at}.start`, problem);
  const end =
    raw.end === undefined
      ? (problem(`${at}.end`, 'missing: every segment needs an end time'), undefined)
      : readTime(raw.end, `${at}.end`, problem);
  let span: SegmentSpan | undefined;
  if (start !== undefined && end !== undefined) {
    if (secondsToMs(end) <= secondsToMs(start)) {
      problem(
        `${at}.end`,
        `must be after start (start ${showTime(raw.start)} ≥ end ${showTime(raw.end)})`,
      );
    } else {
      span = { index, startMs: secondsToMs(start), endMs: secondsToMs(end) };
    }
  }

  let name: string | undefined;
  if (raw.name !== undefined) {
    if (typeof raw.name === 'string') name = raw.name;
    else problem(`${at}.name`, `must be a string, got ${describeValue(raw.name)}`);
  }

  const style = readStyle(raw, at, baseDir, images, result);

  let alpha: number | number[] = 1;
  if (raw.alpha !== undefined) {
    alpha = readAlpha(raw.alpha, `${at}.alpha`, problem) ?? 1;
    if (style === null) {
      result.warnings.push({
        field: `${at}.alpha`,
        message: 'has no effect: the segment is unstyled (style: null)',
      });
    }
  }

  let preserveColor = false;
  if (raw.preserveColor !== undefined) {
    if (typeof raw.preserveColor === 'boolean') preserveColor = raw.preserveColor;
    else {
      problem(
        `${at}.preserveColor`,
        `must be true or false, got ${describeValue(raw.preserveColor)}`,
      );
    }
    if (style === null) {
      result.warnings.push({
        field: `${at}.preserveColor`,
        message: 'has no effect: the segment is unstyled (style: null)',
      });
    }
  }

  let transitionMs = defaultTransitionMs;
  if (raw.transition !== undefined) {
    const seconds = readTime(raw.transition, `${at}.transition`, problem);
    if (seconds !== undefined) transitionMs = secondsToMs(seconds);
  }

  const alphaLevels = Array.isArray(alpha) ? alpha : undefined;
  if (span === undefined || style === undefined) return { span, alpha: alphaLevels };
  const segment: ScheduleSegment = {
    index,
    name,
    startMs: span.startMs,
    endMs: span.endMs,
    style,
    alpha,
    preserveColor,
    transitionMs,
  };
  return { segment, span, alpha: alphaLevels };
}

/** A time as the user wrote it: `9`, or `"0:09"` → `0:09`. */
function showTime(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** `undefined` when the style is missing or invalid (problems reported), `null` when unstyled. */
function readStyle(
  raw: Record<string, unknown>,
  at: string,
  baseDir: string,
  images: string[],
  result: ScheduleParseResult,
): ScheduleStyleImage[] | null | undefined {
  const problem = (field: string, message: string): void => {
    result.problems.push({ field, message });
  };
  const field = `${at}.style`;
  const value = raw.style;
  if (value === undefined) {
    problem(field, 'missing: give an image path, a blend list, or null for unstyled');
    return undefined;
  }
  if (value === null) return null;

  const addImage = (file: unknown, imageField: string): string | undefined => {
    if (typeof file !== 'string' || file.trim() === '') {
      problem(imageField, `must be an image path, got ${describeValue(file)}`);
      return undefined;
    }
    const resolved = path.resolve(baseDir, file);
    result.imageRefs.push({ path: resolved, field: imageField });
    return resolved;
  };
  const imageIndex = (resolved: string): number => {
    const found = images.indexOf(resolved);
    if (found >= 0) return found;
    images.push(resolved);
    return images.length - 1;
  };

  if (typeof value === 'string') {
    const resolved = addImage(value, field);
    if (resolved === undefined) return undefined;
    return [{ path: resolved, field, imageIndex: imageIndex(resolved), weight: 1 }];
  }
  if (!Array.isArray(value)) {
    problem(
      field,
      `must be an image path, a list of { image, weight }, or null, got ${describeValue(value)}`,
    );
    return undefined;
  }
  if (value.length === 0) {
    problem(field, 'must name at least one image (use null for unstyled)');
    return undefined;
  }

  const items: { path: string; field: string; weight: number }[] = [];
  let valid = true;
  value.forEach((item: unknown, i) => {
    const itemField = `${field}[${i}]`;
    let file: unknown = item;
    let fileField = itemField;
    let weight = 1;
    if (isRecord(item)) {
      checkUnknownFields(item, itemField, STYLE_ITEM_FIELDS, problem);
      file = item.image;
      fileField = `${itemField}.image`;
      if (item.image === undefined) {
        problem(fileField, 'missing: each blend entry needs an image path');
        valid = false;
        return;
      }
      if (item.weight !== undefined) {
        if (!isWeight(item.weight)) {
          problem(
            `${itemField}.weight`,
            `must be ${WEIGHT_RULE}, got ${describeValue(item.weight)}`,
          );
          valid = false;
        } else {
          weight = item.weight;
        }
      }
    } else if (typeof item !== 'string') {
      problem(itemField, `must be an image path or { image, weight }, got ${describeValue(item)}`);
      valid = false;
      return;
    }
    const resolved = addImage(file, fileField);
    if (resolved === undefined) {
      valid = false;
      return;
    }
    const duplicate = items.find((other) => other.path === resolved);
    if (duplicate) {
      problem(fileField, `names the same image as ${duplicate.field}; give it one weight`);
      valid = false;
      return;
    }
    items.push({ path: resolved, field: fileField, weight });
  });
  if (!valid) return undefined;

  const total = items.reduce((sum, item) => sum + item.weight, 0);
  return items.map((item) => ({
    path: item.path,
    field: item.field,
    imageIndex: imageIndex(item.path),
    weight: item.weight / total,
  }));
}

function readAlpha(
  value: unknown,
  field: string,
  problem: (field: string, message: string) => void,
): number | number[] | undefined {
  if (typeof value === 'number') {
    if (isStrength(value)) return value;
    problem(field, `must be ${ALPHA_RULE}, got ${describeValue(value)}`);
    return undefined;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      problem(field, `must be ${ALPHA_RULE}, or one such number per model level`);
      return undefined;
    }
    let valid = true;
    value.forEach((x: unknown, i) => {
      if (!isStrength(x)) {
        problem(`${field}[${i}]`, `must be ${ALPHA_RULE}, got ${describeValue(x)}`);
        valid = false;
      }
    });
    return valid ? (value as number[]) : undefined;
  }
  problem(
    field,
    `must be a number from 0 to 1, or a list of them (one per model level), got ${describeValue(value)}`,
  );
  return undefined;
}

function checkLevels(
  seen: readonly { field: string; count: number }[],
  levels: number | undefined,
  problem: (field: string, message: string) => void,
): void {
  const first = seen[0];
  for (const entry of seen) {
    if (levels !== undefined) {
      if (entry.count !== levels) {
        problem(
          entry.field,
          `has ${entry.count} values but the model has ${levels} levels (give one per level, or one number)`,
        );
      }
    } else if (first && entry.count !== first.count) {
      problem(
        entry.field,
        `has ${entry.count} values but ${first.field} has ${first.count}; every per-level alpha needs one value per model level`,
      );
    }
  }
}

function checkOverlaps(
  spans: readonly SegmentSpan[],
  problem: (field: string, message: string) => void,
): void {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs || a.index - b.index);
  sorted.forEach((earlier, i) => {
    for (const later of sorted.slice(i + 1)) {
      if (later.startMs >= earlier.endMs) break;
      const [first, second] = earlier.index < later.index ? [earlier, later] : [later, earlier];
      problem(
        `segments[${second.index}]`,
        `overlaps segments[${first.index}] (${showSpan(second)} and ${showSpan(first)})`,
      );
    }
  });
}

function showSpan(span: SegmentSpan): string {
  return `${formatTime(span.startMs / 1000)}–${formatTime(span.endMs / 1000)}`;
}

/** Warnings, not errors: the schedule still works on a shorter video (a re-cut, a loop). */
function checkAgainstDuration(
  spans: readonly SegmentSpan[],
  durationMs: number,
  warning: (field: string, message: string) => void,
): void {
  const videoEnd = formatTime(durationMs / 1000);
  for (const segment of spans) {
    const at = `segments[${segment.index}]`;
    if (segment.startMs >= durationMs) {
      warning(
        `${at}.start`,
        `${formatTime(segment.startMs / 1000)} is at or beyond the video's end (${videoEnd}); the segment never shows`,
      );
    } else if (segment.endMs > durationMs) {
      warning(
        `${at}.end`,
        `${formatTime(segment.endMs / 1000)} is beyond the video's end (${videoEnd}); the segment stops there`,
      );
    }
  }
}
