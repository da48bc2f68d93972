/**
 * Reads a schedule file, validates it and checks every style image, before any work starts.
 * Throws one `SCHEDULE_INVALID` error that lists every problem, one per line.
 */
import { StylecastError } from '../errors.js';
import { readTextFile } from '../read-file.js';
import { checkScheduleImages } from './check-schedule-images.js';
import { parseSchedule } from './parse-schedule.js';
import { formatProblem, type ScheduleProblem } from './schedule-problem.js';
import type { Schedule } from './schedule.js';

export interface LoadScheduleOptions {
  /** The video's duration, when known: times beyond it are reported. */
  durationMs?: number;
  /** The model's number of AdaIN levels, when known: per-level `alpha` arrays must match it. */
  levels?: number;
}

export interface LoadedSchedule {
  schedule: Schedule;
  /** Things the user should hear about that do not stop the schedule (times beyond the video's end). */
  warnings: ScheduleProblem[];
}

export async function loadSchedule(
  file: string,
  options: LoadScheduleOptions = {},
): Promise<LoadedSchedule> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StylecastError(
      'SCHEDULE_INVALID',
      code === 'ENOENT'
        ? `Schedule file ${file} does not exist`
        : code === 'ENOTFILE' || code === 'ENOTTEXT'
          ? `Cannot read schedule file ${file}: ${(error as Error).message}`
          : `Cannot read schedule file ${file} (${code ?? String(error)})`,
      { cause: error },
    );
  }
  const parsed = parseSchedule(text, { path: file, ...options });
  const problems = [...parsed.problems, ...(await checkScheduleImages(parsed.imageRefs))];
  if (problems.length > 0 || !parsed.schedule) {
    throw new StylecastError('SCHEDULE_INVALID', describeProblems(file, problems));
  }
  return { schedule: parsed.schedule, warnings: parsed.warnings };
}

/** `Schedule x.json has 2 problems:` then one indented line per problem. */
function describeProblems(file: string, problems: readonly ScheduleProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`Schedule ${file} has ${count}:`, ...problems.map((p) => `  ${formatProblem(p)}`)].join(
    '\n',
  );
}
