import { describe, expect, it } from 'vitest';
import { cropFrom, padInto, paddedSize } from '../../src/infer/pad-frames.js';

describe('padding', () => {
  it('rounds sizes up to the multiple', () => {
    expect(paddedSize(1280, 720, 8)).toEqual({ width: 1280, height: 720 });
    expect(paddedSize(321, 241, 8)).toEqual({ width: 328, height: 248 });
  });

  it('repeats edge pixels, and cropping gives back the original', () => {
    const width = 3;
    const height = 2;
    const source = Uint8Array.from({ length: width * height * 3 }, (_, i) => i + 1);
    const target = new Uint8Array(4 * 4 * 3 + 6);
    padInto(source, width, height, target, 6, 4, 4);
    const pixel = (x: number, y: number) =>
      Array.from(target.subarray(6 + (y * 4 + x) * 3, 6 + (y * 4 + x) * 3 + 3));
    expect(pixel(3, 0)).toEqual(pixel(2, 0)); // right edge repeated
    expect(pixel(1, 3)).toEqual(pixel(1, 1)); // bottom edge repeated
    expect(pixel(3, 3)).toEqual([16, 17, 18]); // the corner is the last pixel
    expect(Array.from(cropFrom(target, 6, 4, width, height))).toEqual(Array.from(source));
  });
});
