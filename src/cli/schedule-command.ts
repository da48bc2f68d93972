/**
 * `stylecast schedule check <file> [--video in.mp4] [--model name]`: validates a schedule (every
 * problem at once, images opened) and prints the resolved timeline. Exits non-zero, through the
 * thrown `SCHEDULE_INVALID` error, when the schedule has problems.
 */
import type { Command } from 'commander';
import { probeMedia } from '../decode/probe.js';
import { loadModel } from '../infer/load-model.js';
import { formatSchedule } from '../schedule/format-schedule.js';
import { loadSchedule } from '../schedule/load-schedule.js';
import { createTimeline } from '../schedule/timeline.js';

export interface CheckScheduleOptions {
  /** The video the schedule is for: its duration is checked against the schedule's times. */
  video?: { path: string; durationMs: number | null };
  /** The model's number of levels: per-level `alpha` arrays must match it. */
  levels?: number;
}

/** Loads and validates a schedule (throws `SCHEDULE_INVALID` listing every problem) and describes it. */
export async function checkSchedule(
  file: string,
  options: CheckScheduleOptions = {},
): Promise<string> {
  const { schedule, warnings } = await loadSchedule(file, {
    durationMs: options.video?.durationMs ?? undefined,
    levels: options.levels,
  });
  const timeline = createTimeline(schedule, options.levels ?? schedule.levels ?? 1);
  return formatSchedule({ file, schedule, timeline, warnings, video: options.video });
}

export interface ScheduleCommandIo {
  write: (text: string) => void;
}

/** Adds `schedule check` to the program; the action is async (run the program with `parseAsync`). */
export function registerScheduleCommand(
  program: Command,
  io: ScheduleCommandIo = { write: (text) => void process.stdout.write(text) },
): Command {
  const schedule = program
    .command('schedule')
    .description('work with per-clip style schedules (a style for each part of a video)');
  schedule
    .command('check')
    .description('validate a schedule file and print its resolved timeline')
    .argument('<file>', 'the schedule: JSON, or YAML (.yaml, .yml)')
    .option('--video <path>', 'the video it is for: times beyond its end are reported')
    .option('--model <name>', 'the model it is for: per-level alphas must match its levels')
    .action(async (file: string, flags: { video?: string; model?: string }) => {
      const video = flags.video
        ? { path: flags.video, durationMs: (await probeMedia(flags.video)).durationMs }
        : undefined;
      const levels = flags.model ? (await loadModel(flags.model)).card.levels : undefined;
      io.write(`${await checkSchedule(file, { video, levels })}\n`);
    });
  return schedule;
}
