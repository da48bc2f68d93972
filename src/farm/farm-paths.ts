/**
 * Paths a job names are relative to the farm folder and must stay inside it: a job can never make
 * a worker read or write anywhere else (no absolute paths, no `..`, no symlink out).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StylecastError } from '../errors.js';

/** Where a finished chunk lives: named by its key (hex), so a job cannot choose the path. */
export function chunkPath(farmDir: string, key: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(key))
    throw new StylecastError('FARM_JOB_INVALID', `Chunk key is not hex: \`${key}\``);
  return join(farmDir, 'chunks', `${key}.nut`);
}

/** `relativePath` resolved inside `farmDir`, or a FARM_JOB_INVALID error naming `field`. */
export function insideFarm(farmDir: string, relativePath: string, field: string): string {
  const path = resolve(farmDir, relativePath);
  const rel = relative(farmDir, path);
  if (
    isAbsolute(relativePath) ||
    relativePath.includes('\0') ||
    rel === '' ||
    rel.startsWith('..') ||
    rel.split(sep).includes('..')
  ) {
    throw new StylecastError(
      'FARM_JOB_INVALID',
      `Job field \`${field}\` must name a file inside the farm folder, got \`${relativePath}\``,
    );
  }
  return path;
}

/** As `insideFarm`, for a file that exists: its real path (links followed) must be inside too. */
export async function existingInsideFarm(
  farmDir: string,
  relativePath: string,
  field: string,
): Promise<string> {
  const path = insideFarm(farmDir, relativePath, field);
  const [realDir, realFile] = await Promise.all([
    realpath(farmDir),
    realpath(path).catch(() => null),
  ]);
  if (realFile === null) {
    throw new StylecastError(
      'FARM_DIR_MISMATCH',
      `the farm folder ${farmDir} has no ${relativePath}: does every machine mount the same shared folder?`,
    );
  }
  if (!realFile.startsWith(realDir + sep))
    throw new StylecastError(
      'FARM_JOB_INVALID',
      `Job field \`${field}\` links outside the farm folder: \`${relativePath}\``,
    );
  return realFile;
}
