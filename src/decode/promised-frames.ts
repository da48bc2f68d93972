/**
 * How many frames a file promises, counted on the timeline the decoder delivers: from the file's
 * first timestamp, at the render's constant rate. A render that decodes far fewer frames than this
 * was given a file that is damaged or cut short.
 */
import { StylecastError } from '../errors.js';
import type { MediaInfo } from './parse-probe.js';

/**
 * Containers with a sample index (MP4, MOV): a sample the index lists but the file lacks is a
 * read error, which the strict decode already fails on. Their header duration may also count
 * media an edit list trims (an `-ss` stream copy), which is never decoded, so it promises nothing.
 */
const INDEXED = /^mov,mp4/;

/** Null when the file makes no promise that a decode could break. */
export function promisedFrames(info: MediaInfo): number | null {
  if (info.durationMs === null || INDEXED.test(info.format)) return null;
  let spanMs = info.durationMs;
  // Matroska and NUT state the duration from time 0, not from the first timestamp: a file that
  // starts at 10 s (`-output_ts_offset 10`, a `-copyts` remux) says 20 s for 10 s of video. When
  // the header, measured from the start, still covers every packet read, that is the span.
  const fromStart = spanMs - info.startMs;
  if (info.startMs > 0 && info.streamedMs !== null && fromStart >= info.streamedMs * 0.95 - 250)
    spanMs = fromStart;
  return Math.round((spanMs / 1000) * info.fps);
}

/** Fails when `input` decoded to clearly fewer frames than it promised: cut short or damaged. */
export function refuseCutShort(input: string, info: MediaInfo, decoded: number): void {
  const promised = promisedFrames(info);
  // The container's duration may include audio that outlasts the last video frame a little.
  if (promised !== null && decoded < promised * 0.95 - info.fps * 0.25)
    throw new StylecastError(
      'INPUT_CORRUPT',
      `${input} is damaged or cut short: decoded ${decoded} of ${promised} frames`,
    );
}
