/**
 * Every long library call takes an AbortSignal and, when it fires, settles with an `ABORTED`
 * StylecastError — whatever the signal's reason — with every worker thread it started stopped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { renderImage } from '../../src/render/render-image.js';
import { planRender } from '../../src/render/render-video.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { openTinyPool, PAINTING, paintingStyle, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
afterAll(() => temp.cleanup());
const aborted = { name: 'StylecastError', code: 'ABORTED' };

/** Every worker thread started while `run` runs, and how many of them still run after it. */
async function watchWorkers(run: () => Promise<unknown>) {
  const workers: Worker[] = [];
  const exited = new Set<Worker>();
  const onWorker = (worker: Worker): void => {
    workers.push(worker);
    worker.once('exit', () => exited.add(worker));
  };
  process.on('worker', onWorker);
  try {
    const outcome = await run().catch((error: unknown) => error);
    return { outcome, workers, running: workers.filter((w) => !exited.has(w)).length };
  } finally {
    process.off('worker', onWorker);
  }
}

describe('AbortSignal', () => {
  let model: Awaited<ReturnType<typeof loadModel>>;
  beforeAll(async () => {
    model = await loadModel(TINY_MODEL);
  });

  it('loadModel settles with ABORTED', async () => {
    await expect(loadModel(TINY_MODEL, { signal: AbortSignal.abort() })).rejects.toMatchObject(
      aborted,
    );
  });

  it('InferencePool.open stops at its first worker, or while starting the rest, leaving none', async () => {
    for (const abortAtWorker of [1, 3]) {
      const controller = new AbortController();
      let countdown = abortAtWorker;
      const abortAt = (): void => {
        if (--countdown === 0) setImmediate(() => controller.abort());
      };
      process.on('worker', abortAt);
      const { outcome, workers, running } = await watchWorkers(() =>
        InferencePool.open(model, { device: 'cpu', workers: 3, signal: controller.signal }),
      );
      process.off('worker', abortAt);
      expect(outcome).toMatchObject({ ...aborted, message: 'Stopped while opening model tiny' });
      expect(workers.length).toBe(abortAtWorker);
      expect(running).toBe(0);
    }
  });

  it('planRender stops counting frames, and renderImage stops before it writes', async () => {
    const clip = await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 64, height: 48 });
    await expect(
      planRender(
        { input: clip, output: join(temp.dir, 'out.mp4') },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toMatchObject(aborted);

    const { pool, stylizer, styles } = await openTinyPool({ workers: 1 });
    try {
      const output = join(temp.dir, 'out.png');
      await expect(
        renderImage(stylizer, {
          input: PAINTING,
          output,
          style: await paintingStyle(styles),
          signal: AbortSignal.abort(),
        }),
      ).rejects.toMatchObject(aborted);
      expect(existsSync(output)).toBe(false);
    } finally {
      await pool.close();
    }
  });
});
