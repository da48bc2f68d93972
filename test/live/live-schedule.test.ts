import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveSource } from '../../src/decode/live-source.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { StyleCodes } from '../../src/infer/style-codes.js';
import { startLive } from '../../src/live/live-run.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { readJpegFrameTag } from '../../src/stream/jpeg-frame-tag.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import { openSchedule } from '../../src/schedule/open-schedule.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import {
  meanColour,
  TestViewer,
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
    const gallery = await StyleGallery.fromFiles(stylePaths, {
      maxUploadBytes: 1 << 20,
      maxUploads: 4,
    });
    const run = await startLive(poolStylizer(pool), {
      source: parseLiveSource('testsrc'),
      size: { width: 160, height: 90 },
      fps: 15,
      gallery,
      settings: { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
      styleFor,
      server: { port: 0, statsIntervalMs: 250 },
    });
    try {
      const viewer = await TestViewer.open(`ws://127.0.0.1:${run.server.port}/ws`);
      await viewer.nextOfType('hello', 0);
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
