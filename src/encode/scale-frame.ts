/** A frame scaled to another size: outputs that keep one size while `--size auto` changes it. */
import sharp from 'sharp';
import type { Frame } from '../types.js';

/** The frame at `size` (stretched to fill it; the same frame when it already has that size). */
export async function scaleFrame(
  frame: Frame,
  size: { width: number; height: number },
): Promise<Frame> {
  const { data, width, height } = frame;
  if (width === size.width && height === size.height) return frame;
  const scaled = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 3 },
  })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return {
    ...frame,
    ...size,
    data: new Uint8Array(scaled.buffer, scaled.byteOffset, scaled.length),
  };
}
