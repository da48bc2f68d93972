/** Splits a render into chunks of whole frames: exact frame ranges, in order, covering every frame. */
import type { FrameRange } from '../decode/decode-frames.js';

export function planChunks(frameCount: number, fps: number, chunkSeconds: number): FrameRange[] {
  if (!Number.isInteger(frameCount) || frameCount < 1)
    throw new RangeError(`Expected \`frameCount\` to be a positive integer, got \`${frameCount}\``);
  const per = Math.max(1, Math.round(chunkSeconds * fps));
  const chunks: FrameRange[] = [];
  for (let start = 0; start < frameCount; start += per)
    chunks.push({ start, count: Math.min(per, frameCount - start) });
  return chunks;
}
