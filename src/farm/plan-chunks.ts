/** Splits a render into chunks of whole frames: exact frame ranges, in order, covering every frame. */
import type { FrameRange } from '../decode/decode-frames.js';

/**
 * `frameCount` is the probe's count, which can be a frame or two off the frames a decode gives
 * (a variable rate, a video that starts after the audio): the last chunk runs to the end of the
 * file, and is never less than half a chunk, so it takes up the difference.
 */
export function planChunks(frameCount: number, fps: number, chunkSeconds: number): FrameRange[] {
  if (!Number.isInteger(frameCount) || frameCount < 1)
    throw new RangeError(`Expected \`frameCount\` to be a positive integer, got \`${frameCount}\``);
  const per = Math.max(1, Math.round(chunkSeconds * fps));
  const chunks: FrameRange[] = [];
  for (let start = 0; start < frameCount; start += per)
    chunks.push({ start, count: Math.min(per, frameCount - start) });
  const last = chunks.pop()!;
  const previous = chunks.at(-1);
  if (previous && last.count < per / 2) chunks.pop();
  const start = previous && last.count < per / 2 ? previous.start : last.start;
  chunks.push({ start, count: frameCount - start, toEnd: true });
  return chunks;
}
