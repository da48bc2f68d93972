import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../src/encode/jpeg-frame.js';
import { meanColour } from '../stream/live-test-helpers.js';

describe('encodeJpeg', () => {
  it('makes the baseline 4:2:0 JPEG the protocol promises, of the frame as it is', async () => {
    const width = 64;
    const height = 48;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i += 3) data.set([200, 40, 30], i);
    const jpeg = await encodeJpeg({ index: 0, ptsMs: 0, width, height, data }, 80);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width, height, chromaSubsampling: '4:2:0' });
    expect(meta.isProgressive).toBe(false);
    const [red, green, blue] = await meanColour(jpeg);
    expect(Math.abs(red - 200) + Math.abs(green - 40) + Math.abs(blue - 30)).toBeLessThan(12);
  });
});
