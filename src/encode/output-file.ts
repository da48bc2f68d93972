/**
 * An output is written under a hidden temporary name beside its final one and renamed only when
 * complete, so a failed or interrupted run never leaves a file that looks finished.
 */
import { access, constants, rename, stat, unlink } from 'node:fs/promises';
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

/**
 * Refuses an output that is a file the run reads, however it is spelled: the same file is the
 * same device and inode, which also catches symlinks, hard links and `./a/../b` paths.
 */
export async function refuseInputAsOutput(
  output: string,
  inputs: readonly (string | undefined)[],
): Promise<void> {
  const target = await stat(output).catch(() => null);
  if (!target) return; // a file that does not exist yet cannot be one the run reads
  for (const input of inputs) {
    if (input === undefined) continue;
    const read = await stat(input).catch(() => null);
    if (read && read.dev === target.dev && read.ino === target.ino) {
      throw new StylecastError(
        'OUTPUT_INVALID',
        `Output would overwrite an input: ${resolve(output)} is ${resolve(input)}, which this run reads`,
      );
    }
  }
}

/** Checks an output path against its inputs and its folder, and reserves a temporary name. */
export async function prepareOutput(
  output: string,
  /** Every file the run reads; the output may be none of them. */
  inputs: readonly (string | undefined)[] = [],
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
  await refuseInputAsOutput(path, inputs);
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
