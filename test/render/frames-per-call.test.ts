/**
 * The frames of one inference call hold at most 8 megapixels, whatever `--batch` says: memory is
 * bounded by pixels, not only by the option (batch 16 at 8192x8192 would need some 85 GB).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferencePool } from '../../src/infer/inference-pool.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import type { StyleCodes } from '../../src/infer/style-codes.js';
import { framesPerCall } from '../../src/render/frames-per-call.js';
import { planRender, renderVideo } from '../../src/render/render-video.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { openTinyPool, paintingStyle } from '../helpers/tiny-model.js';

describe('framesPerCall', () => {
  it.each([
    [16, 64, 48, 16],
    [16, 1280, 720, 8],
    [16, 1280, 1280, 4],
    [16, 3840, 2160, 1],
    [16, 8192, 8192, 1],
    [2, 1280, 720, 2],
  ])('batch %i at %ix%i: %i frames a call', (batch, width, height, frames) => {
    expect(framesPerCall(batch, { width, height })).toBe(frames);
  });
});

describe('renderVideo --batch 16 at 4096x2048', () => {
  const temp = tempDir();
  let pool: InferencePool;
  let stylizer: Stylizer;
  let styles: StyleCodes;
  beforeAll(async () => {
    ({ pool, stylizer, styles } = await openTinyPool({ workers: 1 }));
  });
  afterAll(async () => {
    await pool.close();
    temp.cleanup();
  });

  it('sends one frame a call, and still renders every frame', async () => {
    const input = await makeClip(join(temp.dir, 'wide.mp4'), {
      width: 4096,
      height: 2048,
      seconds: 0.2,
    });
    const calls: number[] = [];
    const stylize = pool.stylize.bind(pool);
    pool.stylize = (frames, settings) => {
      calls.push(frames.length);
      return stylize(frames, settings);
    };
    const style = await paintingStyle(styles);
    const plan = await planRender({ input, output: join(temp.dir, 'wide.out.mp4') });
    const result = await renderVideo(stylizer, { ...plan, styleFor: () => style, batch: 16 });
    expect(result.frames).toBe(5);
    expect(calls).toEqual([1, 1, 1, 1, 1]);
  });
});
