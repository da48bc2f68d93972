/**
 * Which protocols the ffmpeg in use can write (`ffmpeg -protocols`): builds differ (the bundled
 * static ffmpeg has RTMP and RTMPS but no SRT), and a target it cannot write is refused up front
 * in one line rather than retried forever.
 */
import { ffmpegPath, spawnFfmpeg } from '../ffmpeg.js';
import { badOption } from '../errors.js';
import type { PublishTarget } from './publish-target.js';

const byBinary = new Map<string, Promise<Set<string>>>();

/** The names listed under `Output:` in `ffmpeg -protocols`. */
export function parseOutputProtocols(listing: string): Set<string> {
  const after = listing.split(/^Output:\s*$/m)[1] ?? '';
  return new Set(
    after
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[a-z0-9_]+$/.test(line)),
  );
}

async function listOutputProtocols(): Promise<Set<string>> {
  const run = spawnFfmpeg(['-protocols'], { task: 'listing its protocols', stdout: true });
  let listing = '';
  run.stdout!.setEncoding('utf8');
  run.stdout!.on('data', (text: string) => (listing += text));
  await run.done;
  return parseOutputProtocols(listing);
}

/** The protocols this ffmpeg (`FFMPEG_PATH` or the bundled one) can write; asked once per binary. */
export function ffmpegOutputProtocols(): Promise<Set<string>> {
  const path = ffmpegPath();
  let listed = byBinary.get(path);
  if (!listed) {
    listed = listOutputProtocols();
    byBinary.set(path, listed);
    listed.catch(() => byBinary.delete(path));
  }
  return listed;
}

/** Refuses, in one line, a target whose protocol this ffmpeg cannot write. */
export async function checkPublishable(target: PublishTarget): Promise<void> {
  if ((await ffmpegOutputProtocols()).has(target.protocol)) return;
  throw badOption(
    `Cannot publish to ${target.shown}: the ffmpeg at ${ffmpegPath()} has no ${target.protocol} ` +
      `output; set FFMPEG_PATH to an ffmpeg built with it (Debian's ffmpeg has ${target.protocol})`,
  );
}
