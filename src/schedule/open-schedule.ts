/**
 * The one call render and live make for `--schedule <file>`: load and validate the file (every
 * problem at once, every image opened), then encode its images and return the `StyleForFrame`.
 */
import type { StyleForFrame } from '../types.js';
import { loadSchedule } from './load-schedule.js';
import type { ScheduleProblem } from './schedule-problem.js';
import { createScheduleStyle, type ScheduleStyleOptions } from './schedule-style.js';
import type { Schedule } from './schedule.js';

export interface OpenScheduleOptions extends ScheduleStyleOptions {
  /** The video's duration, when known (render): times beyond it are reported. */
  durationMs?: number;
}

export interface OpenedSchedule {
  schedule: Schedule;
  styleFor: StyleForFrame;
  /** To show the user before the work starts (times beyond the video's end). */
  warnings: ScheduleProblem[];
}

export async function openSchedule(
  file: string,
  options: OpenScheduleOptions,
): Promise<OpenedSchedule> {
  const { schedule, warnings } = await loadSchedule(file, {
    durationMs: options.durationMs,
    levels: options.levels,
  });
  const styleFor = await createScheduleStyle(schedule, options);
  return { schedule, styleFor, warnings };
}
