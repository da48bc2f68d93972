/**
 * An output is written under a hidden temporary name beside its final one and renamed only when
 * complete, so a failed or interrupted run never leaves a file that looks finished.
 */
import { access, constants, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StylecastError } from '../errors.js';

export interface OutputFile {
  /** Where the finished file will be. */
  path: string;
  /** Where it is written until then. */
  tempPath: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Checks an output path against its inputs and its folder, and reserves a temporary name. */
export async function prepareOutput(
  output: string,
  inputs: readonly string[] = [],
): Promise<OutputFile> {
  const path = resolve(output);
  const dir = dirname(path);
  const dirInfo = await stat(dir).catch(() => null);
  if (!dirInfo?.isDirectory())
    throw new StylecastError('OUTPUT_INVALID', `Output folder does not exist: ${dir}`);
  await access(dir, constants.W_OK).catch(() => {
    throw new StylecastError('OUTPUT_INVALID', `Output folder is not writable: ${dir}`);
  });
  if ((await stat(path).catch(() => null))?.isDirectory()) {
    throw new StylecastError('OUTPUT_INVALID', `Output is a folder, expected a file name: ${path}`);
  }
  const realOutput = await realpath(path).catch(() => path);
  for (const input of inputs) {
    const realInput = await realpath(input).catch(() => resolve(input));
    if (realInput === realOutput) {
      throw new StylecastError('OUTPUT_INVALID', `Output would overwrite an input: ${path}`);
    }
  }
  const tempPath = join(dir, `.${basename(path)}.${process.pid}.partial`);
  return {
    path,
    tempPath,
    commit: async () => {
      await rename(tempPath, path).catch((error: Error) => {
        throw new StylecastError(
          'OUTPUT_WRITE_FAILED',
          `Could not move the finished output into place at ${path}: ${error.message}`,
        );
      });
    },
    discard: () => unlink(tempPath).catch(() => {}),
  };
}
