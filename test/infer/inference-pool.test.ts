import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Precision } from '../../src/infer/choose-precision.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { StyleCodes } from '../../src/infer/style-codes.js';
import type { Frame, StyleSettings } from '../../src/types.js';
import { tempDir } from '../helpers/media.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

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

  /** Stops a worker thread the way a crash does (the pool keeps its workers private). */
  async function killWorker(pool: InferencePool): Promise<void> {
    const { slots } = pool as unknown as { slots: { worker: Worker }[] };
    await slots[0]!.worker.terminate();
  }

  it('a worker that cannot be restarted fails every waiting and later call with the cause', async () => {
    const dir = join(temp.dir, 'vanishing');
    cpSync(TINY_MODEL, dir, { recursive: true });
    const pool = await InferencePool.open(await loadModel(dir), { device: 'cpu', workers: 1 });
    try {
      rmSync(join(dir, 'stylizer.onnx')); // the replacement worker cannot load its model
      await killWorker(pool);
      // No worker is left: this call waits for the restart, which fails; it must not hang.
      const waiting = pool.stylize([frame(16, 8)], [style]);
      await expect(waiting).rejects.toMatchObject({ code: 'MODEL_INVALID' });
      await expect(pool.stylize([frame(16, 8)], [style])).rejects.toMatchObject({
        code: 'MODEL_INVALID',
      });
    } finally {
      await pool.close();
    }
  });

  it('close() settles the calls still waiting for a worker', async () => {
    const pool = await InferencePool.open(await loadModel(TINY_MODEL), {
      device: 'cpu',
      workers: 1,
    });
    const running = pool.stylize([frame(320, 240)], [style]);
    const waiting = pool.stylize([frame(320, 240)], [style]);
    const closed = pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await running)[0]!.width).toBe(320);
    await closed;
  });
});

describe('InferencePool: --precision on the shipped paint model', () => {
  const COFFEE = fileURLToPath(
    new URL('../../../shared/data/photos/skimage/skimage_coffee.jpg', import.meta.url),
  );

  /** The coffee photo (600×400, padded to 608×400 inside) stylized with a real painting. */
  async function stylizeCoffee(precision: Precision): Promise<{ pool: InferencePool; out: Frame }> {
    const pool = await InferencePool.open(await loadModel('paint'), {
      device: 'cpu',
      precision,
      workers: 1,
    });
    try {
      const { data, info } = await sharp(COFFEE).removeAlpha().raw().toBuffer({
        resolveWithObject: true,
      });
      const code = await new StyleCodes(pool).fromFile(PAINTING);
      const [out] = await pool.stylize(
        [
          {
            index: 0,
            ptsMs: 0,
            width: info.width,
            height: info.height,
            data: new Uint8Array(data),
          },
        ],
        [{ code, alpha: Float32Array.of(1, 1, 1), preserveColor: false }],
      );
      return { pool, out: out! };
    } finally {
      await pool.close();
    }
  }

  it('fp32 runs `stylizer`, int8 runs `stylizerInt8`; both give frames of the input size, close to each other', async () => {
    const fp32 = await stylizeCoffee('fp32');
    const int8 = await stylizeCoffee('int8');
    expect(fp32.pool.precision).toEqual({ precision: 'fp32', reason: 'asked' });
    expect(fp32.pool.stylizerPath).toMatch(/models\/paint\/stylizer\.onnx$/);
    expect(int8.pool.precision).toEqual({ precision: 'int8', reason: 'asked' });
    expect(int8.pool.stylizerPath).toMatch(/models\/paint\/stylizer\.int8\.onnx$/);
    for (const { out } of [fp32, int8])
      expect([out.width, out.height, out.data.length]).toEqual([600, 400, 600 * 400 * 3]);
    let sum = 0;
    for (let i = 0; i < fp32.out.data.length; i++)
      sum += Math.abs(fp32.out.data[i]! - int8.out.data[i]!);
    const meanAbsDiff = sum / fp32.out.data.length;
    // Quantized, so not identical; but the same picture, well within a few grey levels.
    expect(meanAbsDiff).toBeGreaterThan(0);
    expect(meanAbsDiff).toBeLessThan(12);
  });
});
