/**
 * Pads frames to the model's size multiple (edge pixels repeated) and crops results back.
 * Whole rows move with `TypedArray.set`, so the per-pixel work is only the few padded columns.
 */

export function paddedSize(
  width: number,
  height: number,
  multiple: number,
): { width: number; height: number } {
  return {
    width: Math.ceil(width / multiple) * multiple,
    height: Math.ceil(height / multiple) * multiple,
  };
}

/** Copies a packed RGB frame into `target` (at `offset`) laid out at `padW`×`padH`. */
export function padInto(
  source: Uint8Array,
  width: number,
  height: number,
  target: Uint8Array,
  offset: number,
  padW: number,
  padH: number,
): void {
  const rowBytes = width * 3;
  const padRowBytes = padW * 3;
  for (let y = 0; y < height; y++) {
    const rowStart = offset + y * padRowBytes;
    target.set(source.subarray(y * rowBytes, (y + 1) * rowBytes), rowStart);
    const lastPixel = rowStart + rowBytes - 3;
    for (let x = rowBytes; x < padRowBytes; x += 3) {
      target[rowStart + x] = target[lastPixel]!;
      target[rowStart + x + 1] = target[lastPixel + 1]!;
      target[rowStart + x + 2] = target[lastPixel + 2]!;
    }
  }
  const lastRow = target.subarray(
    offset + (height - 1) * padRowBytes,
    offset + height * padRowBytes,
  );
  for (let y = height; y < padH; y++) target.set(lastRow, offset + y * padRowBytes);
}

/** The top-left `width`×`height` of a frame laid out at `padW` (from `offset` in `source`). */
export function cropFrom(
  source: Uint8Array,
  offset: number,
  padW: number,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    const start = offset + y * padW * 3;
    out.set(source.subarray(start, start + rowBytes), y * rowBytes);
  }
  return out;
}
