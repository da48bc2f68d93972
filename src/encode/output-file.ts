/**
 * An output is written under a hidden temporary name beside its final one and renamed only when
 * complete, so a failed or interrupted run never leaves a file that looks finished. An output that
 * is a symbolic link is written through: the file it points to is replaced, the link stays.
 */
import {
  access,
  constants,
  lstat,
  readdir,
  realpath,
  rename,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StylecastError } from '../errors.js';
import { isProcessRunning } from '../process-running.js';

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

/** Where an output named `path` is written: a symbolic link's target, else the path itself. */
async function writtenAt(path: string): Promise<string> {
  if (!(await lstat(path).catch(() => null))?.isSymbolicLink()) return path;
  return realpath(path).catch(() => {
    throw new StylecastError(
      'OUTPUT_INVALID',
      `Output ${path} is a symbolic link to a file in a folder that does not exist`,
    );
  });
}

/**
 * Removes what runs killed on this machine left for `path` (`.NAME.PID.partial` of a process that
 * is gone): a rerun to the same output starts clean. Not for a shared folder, whose partials may
 * be another machine's.
 */
async function removeStalePartials(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith('.partial'))
      .filter((name) => !isProcessRunning(Number(name.slice(prefix.length, -'.partial'.length))))
      .map((name) => unlink(join(dirname(path), name)).catch(() => {})),
  );
}

/** Checks an output path against its inputs and its folder, and reserves a temporary name. */
export async function prepareOutput(
  output: string,
  /** Every file the run reads; the output may be none of them. */
  inputs: readonly (string | undefined)[] = [],
  /** `shared`: the folder is shared with other machines (a farm's): their partials are left. */
  options: { shared?: boolean } = {},
): Promise<OutputFile> {
  // A name that ends in a separator names a folder: never quietly write a file called like it.
  if (output.endsWith('/') || output.endsWith(sep))
    throw new StylecastError(
      'OUTPUT_INVALID',
      `Output ${output} ends in a slash: name a file, e.g. ${join(output, 'out.mp4')}`,
    );
  const named = resolve(output);
  const path = await writtenAt(named);
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
  if (!options.shared) await removeStalePartials(path);
  const tempPath = join(dir, `.${basename(path)}.${process.pid}.partial`);
  return {
    path: named,
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
