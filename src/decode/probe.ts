import { access, constants, stat } from 'node:fs/promises';
import { ffmpegFile, ffmpegLog, ffmpegPath } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import { parseCopyStats, parseProbe, type MediaInfo } from './parse-probe.js';

export type { MediaInfo } from './parse-probe.js';

/** Fails with a readable error unless `path` is an existing, readable file. */
export async function assertReadableFile(path: string, what = 'Input'): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new StylecastError('INPUT_NOT_FOUND', `${what} not found: ${path}`);
  if (!info.isFile())
    throw new StylecastError('INPUT_UNREADABLE', `${what} is not a file: ${path}`);
  await access(path, constants.R_OK).catch(() => {
    throw new StylecastError('INPUT_UNREADABLE', `${what} is not readable: ${path}`);
  });
}

/**
 * Size, rate, duration, rotation and audio of a media file, read from ffmpeg's own log. With
 * `countFrames`, the video packets are counted too (a stream copy: fast, no decoding).
 */
export async function probeMedia(
  path: string,
  options: { countFrames?: boolean; signal?: AbortSignal } = {},
): Promise<MediaInfo> {
  await assertReadableFile(path);
  const file = ffmpegFile(path);
  const { stderr } = await ffmpegLog(['-i', file], `probing ${path}`, options.signal);
  const info = parseProbe(stderr);
  // A real ffmpeg names its input in whatever it says about it; silence means ffmpeg is broken.
  if (!info && !stderr.includes(file)) {
    throw new StylecastError(
      'FFMPEG_FAILED',
      `ffmpeg (${ffmpegPath()}) did not run: it said nothing about ${path}` +
        (process.env.FFMPEG_PATH ? ' (check FFMPEG_PATH)' : ''),
    );
  }
  // ffmpeg opened the file and listed what it holds: say what is missing, not that it is unreadable.
  if (!info && new RegExp(`^Input #0, .*from '${escapeRegExp(file)}':$`, 'm').test(stderr)) {
    const streams = [...stderr.matchAll(/Stream #0:\d+[^:]*: (\w+):/g)].map((m) => m[1]!);
    throw new StylecastError(
      'INPUT_NOT_VIDEO',
      streams.length === 0
        ? `${path} has no frames: it holds no video stream (no stream at all)`
        : `${path} has no video stream (only ${[...new Set(streams)].join(' and ').toLowerCase()}): nothing to stylize`,
    );
  }
  if (!info) {
    const reason = stderr
      .split('\n')
      .reverse()
      .find((line) => line.includes(file) || /invalid|error/i.test(line));
    throw new StylecastError(
      'INPUT_NOT_VIDEO',
      `Not a video ffmpeg can read: ${path}` +
        (reason ? ` (${reason.replace(`${file}: `, '').trim()})` : ''),
    );
  }
  if (options.countFrames) {
    const stats = await copyStats(path, options.signal);
    const frames = stats?.frames ?? null;
    // One picture over a longer duration is cover art (`attached_pic`), which older ffmpeg
    // builds do not label: there is no video to stylize, and decoding it is not damage.
    if (frames === 1 && info.frameCount > 1) {
      throw new StylecastError(
        'INPUT_NOT_VIDEO',
        `${path} has no video stream, only a still picture (cover art); use \`stylecast image\` for pictures`,
      );
    }
    if (frames === 0)
      throw new StylecastError(
        'INPUT_NOT_VIDEO',
        `${path} has no frames: its video stream is empty`,
      );
    if (frames !== null && frames > 0) info.frameCount = frames;
    if (stats?.timeMs != null) info.streamedMs = stats.timeMs + Math.round(1000 / info.fps);
  }
  return info;
}

/** What a stream copy of the first video stream reads: its packets (frames), and how far. */
function copyStats(path: string, signal?: AbortSignal): Promise<ReturnType<typeof parseCopyStats>> {
  return ffmpegLog(
    ['-stats', '-i', ffmpegFile(path), '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'],
    `counting frames of ${path}`,
    signal,
  ).then(({ stderr }) => parseCopyStats(stderr));
}

/** The frames (packets) of a file's first video stream, without decoding; 0 when it has none. */
export async function countFrames(path: string, signal?: AbortSignal): Promise<number> {
  return (await copyStats(path, signal))?.frames ?? 0;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
