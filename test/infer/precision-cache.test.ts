/**
 * `--precision auto` on the real paint model: the first open times fp32 against int8 and writes
 * the decision to STYLECAST_CACHE; later opens read it. Speeds are not asserted, only which
 * decision was made, that it is the one that runs, and where it came from.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool, type PoolOptions } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { precisionCachePath } from '../../src/infer/precision-cache.js';
import { tempDir } from '../helpers/media.js';

const temp = tempDir();
const before = process.env.STYLECAST_CACHE;
beforeAll(() => {
  process.env.STYLECAST_CACHE = join(temp.dir, 'cache');
});
afterAll(() => {
  if (before === undefined) delete process.env.STYLECAST_CACHE;
  else process.env.STYLECAST_CACHE = before;
  temp.cleanup();
});

interface CacheFile {
  version: number;
  decisions: Record<string, { precision: string; int8Speedup: number }>;
}

const readCache = (): CacheFile => JSON.parse(readFileSync(precisionCachePath(), 'utf8'));

async function openAuto(options: PoolOptions = {}): Promise<InferencePool> {
  return InferencePool.open(await loadModel('paint'), {
    device: 'cpu',
    workers: 1,
    threads: 1,
    frameSize: { width: 320, height: 180 },
    ...options,
  });
}

describe('--precision auto', () => {
  it('measures once, writes the decision to the cache, and the next open reuses it', async () => {
    expect(precisionCachePath()).toBe(join(temp.dir, 'cache', 'precision.json'));
    expect(existsSync(precisionCachePath())).toBe(false);

    const first = await openAuto();
    await first.close();
    expect(first.precision.reason).toBe('measured');
    expect(first.precision.int8Speedup).toBeGreaterThan(0);
    expect(first.stylizerPath).toMatch(
      first.precision.precision === 'int8' ? /stylizer\.int8\.onnx$/ : /stylizer\.onnx$/,
    );
    const written = readFileSync(precisionCachePath(), 'utf8');
    const { version, decisions } = readCache();
    expect(version).toBe(1);
    const [key, ...others] = Object.keys(decisions);
    expect(others).toEqual([]);
    // Keyed by the CPU, both graphs, the timed size and the threads per worker.
    expect(key).toMatch(/^cpu=.+; ort=[\d.]+; .*stylizer\.onnx \d+ B @\d+; .*stylizer\.int8\.onnx/);
    expect(key).toMatch(/; 320x180; 1 thread$/);
    expect(decisions[key!]).toMatchObject({ precision: first.precision.precision });

    const second = await openAuto();
    await second.close();
    expect(second.precision).toEqual({
      precision: first.precision.precision,
      reason: 'cached',
      int8Speedup: decisions[key!]!.int8Speedup,
    });
    expect(second.stylizerPath).toBe(first.stylizerPath);
    expect(readFileSync(precisionCachePath(), 'utf8')).toBe(written);
  });

  it('measures again for another working size, keeping the earlier decision', async () => {
    const pool = await openAuto({ frameSize: { width: 256, height: 144 } });
    await pool.close();
    expect(pool.precision.reason).toBe('measured');
    const keys = Object.keys(readCache().decisions);
    expect(keys).toHaveLength(2);
    expect(keys.some((key) => key.includes('; 256x144; 1 thread'))).toBe(true);
  });

  it('treats an unreadable cache file as empty and writes a good one', async () => {
    writeFileSync(precisionCachePath(), '{ not json');
    const pool = await openAuto();
    await pool.close();
    expect(pool.precision.reason).toBe('measured');
    expect(Object.keys(readCache().decisions)).toHaveLength(1);
  });

  it('a model without an int8 variant runs fp32 without measuring', async () => {
    const pool = await InferencePool.open(await loadModel('fast'), { device: 'cpu', workers: 1 });
    await pool.close();
    expect(pool.precision).toEqual({ precision: 'fp32', reason: 'only' });
  });
});
