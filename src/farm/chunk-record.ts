/**
 * A finished chunk is two files in `chunks/`: `KEY.nut`, and `KEY.json` recording how many frames
 * it holds and how many bytes it has. The record is written before the chunk is renamed into
 * place, so a chunk whose file is missing, cut short or grown — deleted by hand, truncated by a
 * full disk, half-copied — does not match its record and is rendered again, never trusted.
 */
import { readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FrameRange } from '../decode/decode-frames.js';
import { chunkPath } from './farm-paths.js';

export interface ChunkRecord {
  frames: number;
  bytes: number;
}

/** Where the record of the chunk keyed `key` lives, beside its file. */
export function chunkRecordPath(farmDir: string, key: string): string {
  return chunkPath(farmDir, key).replace(/\.nut$/, '.json');
}

/** Records `frames` and the size of the finished (not yet renamed) chunk at `tempPath`. */
export async function writeChunkRecord(
  farmDir: string,
  key: string,
  tempPath: string,
  frames: number,
): Promise<void> {
  const record: ChunkRecord = { frames, bytes: (await stat(tempPath)).size };
  const path = chunkRecordPath(farmDir, key);
  const temp = `${tempPath}.json`;
  try {
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * The record of a whole chunk for `range`: its file has the recorded size, and it holds the
 * range's frames (the last chunk, which runs to the end of the file, at least one). Null when the
 * chunk is missing, damaged or not finished. A chunk found whole is touched: its age counts from
 * its last use (see `sweepOldChunks`).
 */
export async function wholeChunk(
  farmDir: string,
  key: string,
  range: FrameRange,
): Promise<ChunkRecord | null> {
  const path = chunkPath(farmDir, key);
  const [text, info] = await Promise.all([
    readFile(chunkRecordPath(farmDir, key), 'utf8').catch(() => null),
    stat(path).catch(() => null),
  ]);
  if (text === null || !info?.isFile()) return null;
  let record: Partial<ChunkRecord>;
  try {
    record = JSON.parse(text) as Partial<ChunkRecord>;
  } catch {
    return null;
  }
  const { frames, bytes } = record;
  if (!Number.isInteger(frames) || bytes !== info.size) return null;
  if (range.toEnd ? frames! < 1 : frames !== range.count) return null;
  const now = new Date();
  await utimes(path, now, now).catch(() => {});
  return { frames: frames!, bytes };
}

/** Removes a chunk's file and record (a damaged one before it is rendered again). */
export async function removeChunk(farmDir: string, key: string): Promise<void> {
  await Promise.all([
    unlink(chunkPath(farmDir, key)).catch(() => {}),
    unlink(chunkRecordPath(farmDir, key)).catch(() => {}),
  ]);
}

/**
 * Removes the unfinished files of the chunks keyed `keys`: what a killed worker left
 * (`.KEY.nut.PID.partial`, and its record being written). Only called when no worker can still
 * be writing them: the chunk's lock expired, or its render ended.
 */
export async function removeUnfinished(farmDir: string, keys: readonly string[]): Promise<void> {
  const folder = dirname(chunkPath(farmDir, keys[0] ?? '0'.repeat(64)));
  const names = await readdir(folder).catch(() => [] as string[]);
  const prefixes = keys.map((key) => `.${key}.nut.`);
  await Promise.all(
    names
      .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
      .map((name) => unlink(join(folder, name)).catch(() => {})),
  );
}

/** How long a finished chunk no render has used is kept for a rerun. */
export const CHUNK_KEPT_DAYS = 7;

/**
 * Removes what lies in `chunks/` untouched for `CHUNK_KEPT_DAYS`: finished chunks kept for a rerun
 * that never came (a render touches every chunk it checks, so one in use is never that old), and
 * what killed workers and coordinators left there.
 */
export async function sweepOldChunks(farmDir: string, now = Date.now()): Promise<void> {
  const folder = dirname(chunkPath(farmDir, '0'.repeat(64)));
  const cutoff = now - CHUNK_KEPT_DAYS * 24 * 3600 * 1000;
  const names = await readdir(folder).catch(() => [] as string[]);
  const touched = async (name: string): Promise<number> =>
    (await stat(join(folder, name)).catch(() => null))?.mtimeMs ?? 0;
  await Promise.all(
    names.map(async (name) => {
      // A record goes with its chunk: it is as old as the chunk's last use.
      const chunk = /^[0-9a-f]{64}\.json$/.test(name) ? name.replace(/json$/, 'nut') : name;
      const last = Math.max(await touched(name), names.includes(chunk) ? await touched(chunk) : 0);
      if (last < cutoff) await unlink(join(folder, name)).catch(() => {});
    }),
  );
}
