/**
 * How many frames go into one inference call: the `batch` asked for, but never more pixels than
 * `PIXELS_PER_CALL`. An inference call's memory grows with its pixels (at 1280x1280, batch 16
 * peaked at 2.1 GB against 0.5 GB for batch 1: about 65 bytes a pixel), so the batch allowed at
 * 720p would need some 85 GB at 8192x8192; a large frame goes alone.
 */
import type { Size } from '../decode/working-size.js';

/** 8 megapixels: batch 8 at 1280x720, 4 at 1080p, 1 at 4K and above. */
export const PIXELS_PER_CALL = 8_000_000;

export function framesPerCall(batch: number, size: Size): number {
  return Math.max(1, Math.min(batch, Math.floor(PIXELS_PER_CALL / (size.width * size.height))));
}
