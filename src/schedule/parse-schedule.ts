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
import { z } from 'zod';
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

// The structure, as zod schemas: each field's rule and the words it is refused in. What needs
// more than one field (end after start, overlaps, levels, repeated images) is checked below.

/** The words for a value of the wrong kind; zod hands an error map the issue, `byShape` the value. */
const mustBe =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    `must be ${what}, got ${describeValue(issue.input)}`;
const mustBeValue =
  (what: string) =>
  (value: unknown): string =>
    mustBe(what)({ input: value });

function refuse(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** A time in seconds (parse-time.ts); `missing` says why a required one must be given. */
function time(missing?: string) {
  return z.unknown().transform((value, ctx): number => {
    if (value === undefined && missing) return refuse(ctx, `missing: ${missing}`);
    try {
      return parseTime(value);
    } catch (error) {
      return refuse(ctx, (error as Error).message);
    }
  });
}

type Shape = 'undefined' | 'null' | 'string' | 'number' | 'array' | 'object';

/**
 * A field that takes several shapes (a path or a blend list; a number or a list): the value's
 * shape picks the schema that checks it, so the problems are that schema's, each at its own path.
 * (A zod union reports only that no option matched.)
 */
function byShape<T>(
  shapes: Partial<Record<Shape, z.ZodType<T>>>,
  otherwise: (value: unknown) => string,
) {
  return z.unknown().transform((value, ctx): T => {
    const shape: Shape =
      value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as Shape);
    const schema = shapes[shape];
    if (!schema) return refuse(ctx, otherwise(value));
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      // An unknown key's issue sits on its object: carry it over on the key itself.
      const paths =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => [...issue.path, key])
          : [issue.path];
      for (const path of paths) ctx.addIssue({ ...issue, path, code: 'custom' });
    }
    return z.NEVER;
  });
}

const strength = z
  .number({ error: mustBe(ALPHA_RULE) })
  .refine(isStrength, { error: mustBe(ALPHA_RULE) });

const alpha = byShape<number | number[]>(
  {
    number: strength,
    array: z
      .array(strength)
      .min(1, { error: `must be ${ALPHA_RULE}, or one such number per model level` }),
  },
  (value) =>
    `must be a number from 0 to 1, or a list of them (one per model level), got ${describeValue(value)}`,
);

const weight = z
  .number({ error: mustBe(WEIGHT_RULE) })
  .refine(isWeight, { error: mustBe(WEIGHT_RULE) });

const imagePath = z
  .string({ error: mustBe('an image path') })
  .refine((file) => file.trim() !== '', { error: mustBe('an image path') });

/** `unknown field (expected one of: …)` for a key the object does not have. */
function strictObject<S extends z.ZodRawShape>(shape: S, notObject: (value: unknown) => string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field (expected one of: ${known})`
        : notObject(issue.input),
  });
}

/** A blend entry: an image path, or `{ image, weight }`; `named` says which (for its field). */
const blendEntry = byShape<{ image: string; weight: number; named: boolean }>(
  {
    string: imagePath.transform((image) => ({ image, weight: 1, named: false })),
    object: strictObject(
      {
        image: byShape<string>({ string: imagePath }, (value) =>
          value === undefined
            ? 'missing: each blend entry needs an image path'
            : mustBeValue('an image path')(value),
        ),
        weight: weight.optional(),
      },
      mustBeValue('an image path or { image, weight }'),
    ).transform(({ image, weight = 1 }) => ({ image, weight, named: true })),
  },
  mustBeValue('an image path or { image, weight }'),
);

/** A segment's style: one image, a blend, or `null` for unstyled. */
const style = byShape<{ image: string; weight: number; named: boolean }[] | null>(
  {
    null: z.null(),
    string: imagePath.transform((image) => [{ image, weight: 1, named: false }]),
    array: z
      .array(blendEntry)
      .min(1, { error: 'must name at least one image (use null for unstyled)' }),
  },
  (value) =>
    value === undefined
      ? 'missing: give an image path, a blend list, or null for unstyled'
      : `must be an image path, a list of { image, weight }, or null, got ${describeValue(value)}`,
);

const segmentSchema = strictObject(
  {
    start: time('every segment needs a start time'),
    end: time('every segment needs an end time'),
    style,
    alpha: alpha.optional(),
    preserveColor: z.boolean({ error: mustBe('true or false') }).optional(),
    transition: time().optional(),
    name: z.string({ error: mustBe('a string') }).optional(),
  },
  mustBeValue('an object with start, end and style'),
);

const documentSchema = strictObject(
  {
    segments: z
      .array(segmentSchema, {
        error: (issue) =>
          issue.input === undefined
            ? 'missing: a schedule needs a list of segments'
            : mustBe('a list of segments')(issue),
      })
      .min(1, { error: 'must have at least one segment' }),
    transition: time().optional(),
    loop: z.boolean({ error: mustBe('true or false') }).optional(),
  },
  mustBeValue('an object with "segments"'),
);

/** The order problems are reported in: the file-wide settings, then the segments. */
const ROOT_ORDER = ['transition', 'loop', 'segments'];
const SEGMENT_FIELDS = Object.keys(segmentSchema.shape);

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

/** A problem and where it sorts: today's order is the file's, field by field. */
interface Placed extends ScheduleProblem {
  order: readonly number[];
}

/** `['segments', 2, 'end']` → `segments[2].end`. */
function fieldPath(parts: readonly PropertyKey[]): string {
  return parts
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

/** Where a problem on `parts` sorts: unknown fields first in their object, then field by field. */
function orderOf(parts: readonly PropertyKey[], unknown: boolean): number[] {
  if (parts[0] !== 'segments' || parts.length < 2)
    return [0, unknown ? 0 : ROOT_ORDER.indexOf(String(parts[0] ?? '')) + 1];
  const field = parts[2];
  const rank = unknown && parts.length === 3 ? 0 : SEGMENT_FIELDS.indexOf(String(field)) + 1;
  return [1, Number(parts[1]), field === undefined ? 0 : rank];
}

function problemsOf(error: z.ZodError): Placed[] {
  return error.issues.flatMap((issue): Placed[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const parts = [...issue.path, key];
        return { field: fieldPath(parts), message: issue.message, order: orderOf(parts, true) };
      });
    }
    return [
      { field: fieldPath(issue.path), message: issue.message, order: orderOf(issue.path, false) },
    ];
  });
}

function byOrder(a: Placed, b: Placed): number {
  for (let i = 0; i < Math.max(a.order.length, b.order.length); i++) {
    const difference = (a.order[i] ?? 0) - (b.order[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** One field's value by its schema, or undefined where it has problems (reported elsewhere). */
function valueOf<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateDocument(
  document: unknown,
  options: ParseScheduleOptions,
  result: ScheduleParseResult,
): void {
  const parsed = documentSchema.safeParse(document);
  const placed = parsed.success ? [] : problemsOf(parsed.error);
  const rawSegments =
    isRecord(document) && Array.isArray(document.segments) ? (document.segments as unknown[]) : [];
  const baseDir = path.dirname(path.resolve(options.path));
  result.imageRefs = namedImages(rawSegments, baseDir);
  const { spans, levelsSeen } = checkSegments(rawSegments, baseDir, placed, result);
  const problem = (field: string, message: string): void => {
    placed.push({ field, message, order: [2] });
  };
  checkLevels(levelsSeen, options.levels, problem);
  checkOverlaps(spans, problem);
  if (options.durationMs !== undefined) {
    checkAgainstDuration(spans, options.durationMs, (field, message) =>
      result.warnings.push({ field, message }),
    );
  }
  result.problems = placed.sort(byOrder).map(({ field, message }) => ({ field, message }));
  if (!parsed.success || result.problems.length > 0) return;
  const { segments, images, transitionMs } = scheduleOf(parsed.data, rawSegments, baseDir);
  result.schedule = {
    segments,
    images,
    loop: parsed.data.loop ?? false,
    levels: options.levels ?? levelsSeen[0]?.count,
    transitionMs,
  };
}

/**
 * What needs more than one field, on each segment whose fields allow it: end after start, an
 * image named once per blend, alpha's length, fields that an unstyled segment ignores.
 */
function checkSegments(
  rawSegments: readonly unknown[],
  baseDir: string,
  placed: Placed[],
  result: ScheduleParseResult,
): { spans: SegmentSpan[]; levelsSeen: { field: string; count: number }[] } {
  const spans: SegmentSpan[] = [];
  const levelsSeen: { field: string; count: number }[] = [];
  rawSegments.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const at = `segments[${index}]`;
    const problem = (field: string, message: string): void => {
      placed.push({
        field: `${at}.${field}`,
        message,
        order: [1, index, SEGMENT_FIELDS.indexOf(field.split(/[.[]/)[0]!) + 1],
      });
    };
    const start = valueOf(time(), raw.start);
    const end = valueOf(time(), raw.end);
    if (start !== undefined && end !== undefined) {
      if (secondsToMs(end) <= secondsToMs(start))
        problem(
          'end',
          `must be after start (start ${showTime(raw.start)} ≥ end ${showTime(raw.end)})`,
        );
      else spans.push({ index, startMs: secondsToMs(start), endMs: secondsToMs(end) });
    }
    const blend = valueOf(style, raw.style);
    const seen = new Map<string, string>();
    blend?.forEach((entry, i) => {
      const field = `style[${i}]${entry.named ? '.image' : ''}`;
      const resolved = path.resolve(baseDir, entry.image);
      const first = seen.get(resolved);
      if (first) problem(field, `names the same image as ${at}.${first}; give it one weight`);
      else seen.set(resolved, field);
    });
    const levels = valueOf(alpha, raw.alpha);
    if (Array.isArray(levels)) levelsSeen.push({ field: `${at}.alpha`, count: levels.length });
    if (raw.style === null) {
      for (const field of ['alpha', 'preserveColor'] as const) {
        if (raw[field] !== undefined)
          result.warnings.push({
            field: `${at}.${field}`,
            message: 'has no effect: the segment is unstyled (style: null)',
          });
      }
    }
  });
  return { spans, levelsSeen };
}

/** A document whose every field is valid, as segments in time order; images shared by index. */
function scheduleOf(
  document: z.infer<typeof documentSchema>,
  rawSegments: readonly unknown[],
  baseDir: string,
): Pick<Schedule, 'segments' | 'images' | 'transitionMs'> {
  const images: string[] = [];
  const imageIndex = (resolved: string): number => {
    if (!images.includes(resolved)) images.push(resolved);
    return images.indexOf(resolved);
  };
  const transitionMs = secondsToMs(document.transition ?? DEFAULT_TRANSITION_SECONDS);
  const segments = document.segments.map((segment, index): ScheduleSegment => {
    const at = `segments[${index}]`;
    let blend: ScheduleStyleImage[] | null = null;
    if (segment.style) {
      const total = segment.style.reduce((sum, entry) => sum + entry.weight, 0);
      const single =
        typeof rawSegments[index] === 'object' &&
        typeof (rawSegments[index] as { style?: unknown }).style === 'string';
      blend = segment.style.map((entry, i) => {
        const resolved = path.resolve(baseDir, entry.image);
        return {
          path: resolved,
          field: single ? `${at}.style` : `${at}.style[${i}]${entry.named ? '.image' : ''}`,
          imageIndex: imageIndex(resolved),
          weight: entry.weight / total,
        };
      });
    }
    return {
      index,
      name: segment.name,
      startMs: secondsToMs(segment.start),
      endMs: secondsToMs(segment.end),
      style: blend,
      alpha: segment.alpha ?? 1,
      preserveColor: segment.preserveColor ?? false,
      transitionMs:
        segment.transition === undefined ? transitionMs : secondsToMs(segment.transition),
    };
  });
  segments.sort((a, b) => a.startMs - b.startMs);
  return { segments, images, transitionMs };
}

/** Every style image the file names, resolved, even where other fields have problems. */
function namedImages(
  segments: readonly unknown[],
  baseDir: string,
): { path: string; field: string }[] {
  const refs: { path: string; field: string }[] = [];
  const add = (file: unknown, field: string): void => {
    if (typeof file === 'string' && file.trim() !== '')
      refs.push({ path: path.resolve(baseDir, file), field });
  };
  segments.forEach((segment, index) => {
    if (!isRecord(segment)) return;
    const field = `segments[${index}].style`;
    if (!Array.isArray(segment.style)) return add(segment.style, field);
    segment.style.forEach((entry: unknown, i) => {
      if (isRecord(entry)) add(entry.image, `${field}[${i}].image`);
      else add(entry, `${field}[${i}]`);
    });
  });
  return refs;
}

/** A time as the user wrote it: `9`, or `"0:09"` → `0:09`. */
function showTime(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
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
