import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferencePool } from '../../src/infer/inference-pool.js';
import {
  alphaPerLevel,
  blendCodes,
  styleImagePixels,
  type StyleCodes,
} from '../../src/infer/style-codes.js';
import { channelMeans, distance, imageChannelMeans } from '../helpers/media.js';
import { openTinyPool, PAINTING, PAINTING_2 } from '../helpers/tiny-model.js';
import sharp from 'sharp';

let pool: InferencePool;
let styles: StyleCodes;
beforeAll(async () => ({ pool, styles } = await openTinyPool()));
afterAll(() => pool.close());

const PHOTO = new URL('../../../shared/data/photos/skimage/skimage_coffee.jpg', import.meta.url)
  .pathname;

async function photoFrame(width = 320, height = 216) {
  const { data } = await sharp(PHOTO)
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { index: 0, ptsMs: 0, width, height, data: new Uint8Array(data) };
}

describe('style codes', () => {
  it('encodes each image once, keyed by its bytes', async () => {
    const a = await styles.fromFile(PAINTING);
    const again = await styles.fromFile(PAINTING);
    const sameBytes = await styles.fromBytes(readFileSync(PAINTING));
    expect(again).toBe(a);
    expect(sameBytes).toBe(a);
    const b = await styles.fromFile(PAINTING_2);
    expect(b).not.toEqual(a);
    expect(styles.size).toBe(2);
  });

  it('reads a style squashed to styleSize (fill) or at a longer side of styleSize, aspect kept (inside)', async () => {
    const bytes = await sharp(PHOTO).resize(300, 200, { fit: 'fill' }).png().toBuffer();
    const filled = await styleImagePixels(bytes, 64, 'fill', 'photo');
    expect([filled.width, filled.height, filled.pixels.length]).toEqual([64, 64, 64 * 64 * 3]);
    const inside = await styleImagePixels(bytes, 512, 'inside', 'photo');
    expect([inside.width, inside.height, inside.pixels.length]).toEqual([512, 341, 512 * 341 * 3]);
    const tall = await sharp(bytes).rotate(90).png().toBuffer();
    const portrait = await styleImagePixels(tall, 96, 'inside', 'photo');
    expect([portrait.width, portrait.height]).toEqual([64, 96]);
  });

  it('blends as the weighted sum of codes, weights normalised', () => {
    const a = Float32Array.from([1, 2, 3]);
    const b = Float32Array.from([3, 6, 9]);
    expect(
      Array.from(
        blendCodes([
          { code: a, weight: 3 },
          { code: b, weight: 1 },
        ]),
      ),
    ).toEqual([1.5, 3, 4.5]);
    expect(() => blendCodes([{ code: a, weight: 0 }])).toThrow(/above 0 and at most 1000, got `0`/);
    expect(() => blendCodes([])).toThrow(RangeError);
  });

  it('takes one alpha for every level or one per level, each within 0..1', () => {
    expect(Array.from(alphaPerLevel(0.5, 3))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(alphaPerLevel([0, 0.5, 1], 3))).toEqual([0, 0.5, 1]);
    expect(() => alphaPerLevel([0.5, 0.5], 3)).toThrow(/one per model level \(3\), got 2 values/);
    expect(() => alphaPerLevel(1.7, 1)).toThrow(/from 0 to 1, got `1.7`/);
  });

  it('alpha 0 gives the unstyled reconstruction, and the distance to the style falls as alpha rises', async () => {
    const code = await styles.fromFile(PAINTING);
    const target = await imageChannelMeans(PAINTING);
    const distances: number[] = [];
    const outputs: Uint8Array[] = [];
    for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
      const [out] = await pool.stylize(
        [await photoFrame()],
        [{ code, alpha: Float32Array.of(alpha), preserveColor: false }],
      );
      outputs.push(out!.data);
      distances.push(distance(channelMeans(out!.data), target));
    }
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeLessThan(distances[i - 1]!);
    // alpha 0 does not depend on the style at all.
    const other = await styles.fromFile(PAINTING_2);
    const [otherAtZero] = await pool.stylize(
      [await photoFrame()],
      [{ code: other, alpha: Float32Array.of(0), preserveColor: false }],
    );
    expect(Buffer.compare(Buffer.from(otherAtZero!.data), Buffer.from(outputs[0]!))).toBe(0);
  });

  it('a blend of two styles lands between them', async () => {
    const a = await styles.fromFile(PAINTING);
    const b = await styles.fromFile(PAINTING_2);
    const stylize = async (code: Float32Array) =>
      channelMeans(
        (
          await pool.stylize(
            [await photoFrame()],
            [{ code, alpha: Float32Array.of(1), preserveColor: false }],
          )
        )[0]!.data,
      );
    const [ma, mb, mid] = [
      await stylize(a),
      await stylize(b),
      await stylize(
        blendCodes([
          { code: a, weight: 1 },
          { code: b, weight: 1 },
        ]),
      ),
    ];
    expect(distance(mid, ma)).toBeLessThan(distance(ma, mb));
    expect(distance(mid, mb)).toBeLessThan(distance(ma, mb));
  });
});
