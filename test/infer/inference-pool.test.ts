import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { Frame, StyleSettings } from '../../src/types.js';
import { tempDir } from '../helpers/media.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

const style: StyleSettings = {
  code: Float32Array.of(0.5, 0.4, 0.3, 0.2, 0.2, 0.2),
  alpha: Float32Array.of(1),
  preserveColor: false,
};

function frame(width: number, height: number, index = 0): Frame {
  return {
    index,
    ptsMs: index * 40,
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7) % 256),
  };
}

describe('InferencePool', () => {
  it('pads frames of any size to the model multiple and crops the result back', async () => {
    const pool = await InferencePool.open(await loadModel(TINY_MODEL), {
      device: 'cpu',
      workers: 2,
    });
    try {
      for (const [w, h] of [
        [321, 241],
        [8, 8],
        [17, 3],
        [640, 360],
      ] as const) {
        const [out] = await pool.stylize([frame(w, h)], [style]);
        expect([out!.width, out!.height, out!.data.length]).toEqual([w, h, w * h * 3]);
      }
      // A batch of several frames gives each its own result, in order.
      const batch = [frame(64, 48, 0), frame(64, 48, 1), frame(64, 48, 2)];
      const results = await pool.stylize(batch, [
        style,
        { ...style, alpha: Float32Array.of(0) },
        style,
      ]);
      expect(results.map((f) => f.index)).toEqual([0, 1, 2]);
      expect(Buffer.compare(Buffer.from(results[0]!.data), Buffer.from(results[1]!.data))).not.toBe(
        0,
      );
    } finally {
      await pool.close();
    }
  });

  it('survives a model that throws: the failing batch fails alone, the next one runs', async () => {
    // A card that lies about the size multiple makes the graph's SpaceToDepth throw on odd sizes.
    const dir = join(temp.dir, 'liar');
    cpSync(TINY_MODEL, dir, { recursive: true });
    const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...card, sizeMultiple: 1 }));
    const pool = await InferencePool.open(await loadModel(dir), { device: 'cpu', workers: 1 });
    try {
      await expect(pool.stylize([frame(17, 9)], [style])).rejects.toMatchObject({
        code: 'INFERENCE_FAILED',
        message: expect.stringMatching(/^Inference failed: /),
      });
      const [ok] = await pool.stylize([frame(16, 8)], [style]);
      expect(ok!.data.length).toBe(16 * 8 * 3);
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
