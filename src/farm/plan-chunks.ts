/** Splits a render into chunks of whole frames: exact frame ranges, in order, covering every frame. */
import type { FrameRange } from '../decode/decode-frames.js';

/**
 * How far past a keyframe's time a chunk's decoder seeks: beyond the millisecond its time is
 * printed to, and far short of the next frame, so the seek lands on that keyframe.
 */
const PAST_KEYFRAME_S = 0.001;

/**
 * `frameCount` is the probe's count, which can be a frame or two off the frames a decode gives
 * (a variable rate, a video that starts after the audio): the last chunk runs to the end of the
 * file, and is never less than half a chunk, so it takes up the difference.
 *
 * `keyframes` (seconds from the file's start, from a file that seeks exactly to them): each cut
 * moves to just after the keyframe nearest it, within half a chunk, and that chunk decodes from
 * there — not from a keyframe that may lie a whole GOP before its first frame. A chunk starts at
 * the frame after its keyframe's own, so no frame before the keyframe can be the one it shows.
 */
export function planChunks(
  frameCount: number,
  fps: number,
  chunkSeconds: number,
  keyframes: readonly number[] = [],
): FrameRange[] {
  if (!Number.isInteger(frameCount) || frameCount < 1)
    throw new RangeError(`Expected \`frameCount\` to be a positive integer, got \`${frameCount}\``);
  const per = Math.max(1, Math.round(chunkSeconds * fps));
  const cuts = keyframes.map((seconds) => ({
    start: Math.round(seconds * fps) + 1,
    seekS: seconds + PAST_KEYFRAME_S,
  }));
  const starts: { start: number; seekS?: number }[] = [{ start: 0 }];
  for (let target = per; target < frameCount; target += per) {
    const previous = starts.at(-1)!.start;
    const distance = (cut: { start: number }) => Math.abs(cut.start - target);
    const nearest = cuts
      .filter((cut) => cut.start > previous && cut.start < frameCount && distance(cut) <= per / 2)
      .reduce<(typeof cuts)[number] | undefined>(
        (best, cut) => (best && distance(best) <= distance(cut) ? best : cut),
        undefined,
      );
    starts.push(nearest ?? { start: target }); // the cut before lies within half a chunk of its own
  }
  const chunks: FrameRange[] = starts.map((chunk, i) => ({
    ...chunk,
    count: (starts[i + 1]?.start ?? frameCount) - chunk.start,
  }));
  // A short tail joins the chunk before it.
  const last = chunks.at(-1)!;
  if (chunks.length > 1 && last.count < per / 2) chunks.pop();
  const end = chunks.at(-1)!;
  end.count = frameCount - end.start;
  end.toEnd = true;
  return chunks;
}
