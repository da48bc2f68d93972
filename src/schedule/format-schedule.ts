/**
 * The resolved timeline as text, for `stylecast schedule check`: every part of the video in time
 * order (segments with their styles, weights and alpha; gaps), the transition windows, warnings.
 */
import path from 'node:path';
import { formatTime } from './parse-time.js';
import { formatProblem, type ScheduleProblem } from './schedule-problem.js';
import type { Schedule, ScheduleSegment } from './schedule.js';
import type { Timeline, TimelineTransition } from './timeline.js';

export interface FormatScheduleOptions {
  /** The schedule file, as the user named it (image paths are shown relative to its folder). */
  file: string;
  schedule: Schedule;
  timeline: Timeline;
  warnings: readonly ScheduleProblem[];
  /** The video it was checked against, and that video's duration, when given. */
  video?: { path: string; durationMs: number | null };
}

const KIND_LABEL: Record<TimelineTransition['kind'], string> = {
  blend: 'blend',
  'fade-in': 'fade in',
  'fade-out': 'fade out',
  'fade-through': 'fade through',
};

export function formatSchedule(options: FormatScheduleOptions): string {
  const { schedule, timeline, warnings, video } = options;
  const baseDir = path.dirname(path.resolve(options.file));
  const lines: string[] = [];
  const count = schedule.segments.length;
  lines.push(
    `Schedule ${options.file}: ${count} segment${count === 1 ? '' : 's'}, ` +
      `transition ${seconds(schedule.transitionMs)}` +
      (timeline.periodMs !== undefined
        ? `, loops every ${seconds(timeline.periodMs)}`
        : ', no loop'),
  );
  if (video) {
    lines.push(
      `Video ${video.path}: ${video.durationMs === null ? 'duration unknown' : formatTime(video.durationMs / 1000)}`,
    );
  }

  lines.push('', 'Timeline');
  const endMs = timeline.periodMs ?? video?.durationMs ?? undefined;
  const rows: string[][] = [];
  let cursor = 0;
  const gap = (toMs: number): void => {
    rows.push([span(cursor, toMs), '(no segment)', 'unstyled', '']);
  };
  for (const segment of schedule.segments) {
    if (segment.startMs > cursor) gap(segment.startMs);
    rows.push([
      span(segment.startMs, segment.endMs),
      `segments[${segment.index}]` + (segment.name ? ` "${segment.name}"` : ''),
      describeStyle(segment, baseDir),
      describeSettings(segment, schedule),
    ]);
    cursor = segment.endMs;
  }
  if (endMs === undefined) gap(Infinity);
  else if (endMs > cursor) gap(endMs);
  lines.push(...table(rows));

  lines.push('', 'Transitions');
  if (timeline.transitions.length === 0) lines.push('  none: every boundary is a cut');
  lines.push(
    ...table(
      timeline.transitions.map((t) => [
        span(t.startMs, t.endMs),
        KIND_LABEL[t.kind],
        `${part(t.from)} → ${part(t.to)}` + (t.wrap ? ' (loop, from the second pass)' : ''),
      ]),
    ),
  );

  if (warnings.length > 0) {
    lines.push('', 'Warnings', ...warnings.map((w) => `  ${formatProblem(w)}`));
  }
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

function span(startMs: number, endMs: number): string {
  return `${formatTime(startMs / 1000)} – ${formatTime(endMs / 1000)}`;
}

function part(index: number | null): string {
  return index === null ? '(no segment)' : `segments[${index}]`;
}

function describeStyle(segment: ScheduleSegment, baseDir: string): string {
  if (segment.style === null) return 'unstyled';
  const name = (file: string): string => {
    const relative = path.relative(baseDir, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };
  const [only] = segment.style;
  if (segment.style.length === 1 && only) return name(only.path);
  return segment.style.map((s) => `${name(s.path)} ×${+s.weight.toFixed(3)}`).join(' + ');
}

function describeSettings(segment: ScheduleSegment, schedule: Schedule): string {
  const settings: string[] = [];
  if (segment.style !== null) {
    settings.push(
      `alpha ${typeof segment.alpha === 'number' ? segment.alpha : `[${segment.alpha.join(', ')}]`}`,
    );
    if (segment.preserveColor) settings.push('preserveColor');
  }
  if (segment.transitionMs !== schedule.transitionMs) {
    settings.push(`transition ${seconds(segment.transitionMs)}`);
  }
  return settings.join(', ');
}

/** Rows as left-aligned columns, indented by two spaces. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd(),
  );
}
