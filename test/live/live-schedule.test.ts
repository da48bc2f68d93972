import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { StyleCodes } from '../../src/infer/style-codes.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { readJpegFrameTag } from '../../src/stream/jpeg-frame-tag.js';
import { openSchedule } from '../../src/schedule/open-schedule.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import {
  meanColour,
  startTestLive,
  watchLive,
  writeStyleImages,
  type StyleImages,
} from '../stream/live-test-helpers.js';

let pool: InferencePool;
let styleImages: StyleImages;
let stylePaths: string[];

beforeAll(async () => {
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu' });
  styleImages = await writeStyleImages();
  stylePaths = styleImages.paths;
});

afterAll(async () => {
  await pool?.close();
  await styleImages?.remove();
});

describe('live with a schedule', () => {
  it('styles frames by their time since the stream started, looping', async () => {
    const file = join(dirname(stylePaths[0]!), 'live.json');
    await writeFile(
      file,
      JSON.stringify({
        loop: true,
        transition: 0,
        segments: [
          { start: 0, end: 2, style: 'red.png' },
          { start: 2, end: 4, style: 'blue.png' },
        ],
      }),
    );
    const { styleFor } = await openSchedule(file, {
      encoder: new StyleCodes(pool),
      levels: pool.model.card.levels,
    });
    // At 15 fps, in 'red' until the schedule says otherwise.
    const run = await startTestLive(poolStylizer(pool), stylePaths, {
      size: { width: 160, height: 90 },
      styleFor,
    });
    try {
      const viewer = await watchLive(run);
      await viewer.waitFor(
        () => viewer.frames.some((f) => readJpegFrameTag(f)!.index >= 75),
        'five seconds of frames',
      );
      const colourAt = async (from: number, to: number) => {
        const frame = viewer.frames.find((f) => {
          const i = readJpegFrameTag(f)!.index;
          return i >= from && i < to;
        });
        return frame ? meanColour(frame) : undefined;
      };
      // At 15 fps: frames 0–29 red, 30–59 blue, 60– red again (capture times drift a little).
      const early = await colourAt(0, 25);
      const middle = await colourAt(35, 55);
      const again = await colourAt(65, 85);
      expect(early![0]).toBeGreaterThan(early![2]);
      expect(middle![2]).toBeGreaterThan(middle![0]);
      expect(again![0]).toBeGreaterThan(again![2]);
      viewer.close();
    } finally {
      await run.stop();
    }
  });
});
