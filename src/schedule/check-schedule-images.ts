/**
 * Checks that every style image a schedule names exists and decodes as a style image
 * (style-image.ts: the same rule and words as `--style`), before any work
 * starts. Each distinct file is opened once; a problem is reported at every field that names it.
 */
import { stat } from 'node:fs/promises';
import { openStyleImage, styleFailure } from '../decode/style-image.js';
import type { ScheduleProblem } from './schedule-problem.js';

export interface ImageRef {
  /** Absolute path. */
  path: string;
  /** Where the schedule names it (`segments[1].style[0].image`). */
  field: string;
}

export async function checkScheduleImages(refs: readonly ImageRef[]): Promise<ScheduleProblem[]> {
  const distinct = [...new Set(refs.map((ref) => ref.path))];
  const verdicts = new Map(
    await Promise.all(distinct.map(async (file) => [file, await checkImage(file)] as const)),
  );
  const problems: ScheduleProblem[] = [];
  for (const ref of refs) {
    const verdict = verdicts.get(ref.path);
    if (verdict) problems.push({ field: ref.field, message: verdict });
  }
  return problems;
}

/** `undefined` when the file decodes as an image, else what is wrong with it. */
async function checkImage(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return `${file} is not a file`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file} (${code ?? error})`;
  }
  try {
    // Decode every pixel (a truncated file can have a valid header), into a tiny thumbnail.
    const image = await openStyleImage(file, file);
    await image.resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    return undefined;
  } catch (error) {
    return styleFailure(file, error).message;
  }
}
