import { fileURLToPath } from 'node:url';
import { InferencePool, type PoolOptions } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { StyleCodes } from '../../src/infer/style-codes.js';
import type { StyleSettings } from '../../src/types.js';

/** The random-weight colour model that test/fixtures/build_tiny_model.py builds. */
export const TINY_MODEL = fileURLToPath(new URL('../fixtures/models/tiny', import.meta.url));

/** Real paintings for styles (Van Gogh details packaged by Debian's gcompris). */
export const PAINTING = fileURLToPath(
  new URL('../../../shared/data/paintings/gcompris/gcompris_details_044.jpg', import.meta.url),
);
export const PAINTING_2 = fileURLToPath(
  new URL('../../../shared/data/paintings/gcompris/gcompris_details_118.jpg', import.meta.url),
);

export async function openTinyPool(
  options: PoolOptions = {},
): Promise<{ pool: InferencePool; styles: StyleCodes }> {
  const pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu', ...options });
  return { pool, styles: new StyleCodes(pool) };
}

export async function paintingStyle(
  styles: StyleCodes,
  path = PAINTING,
  alpha = 1,
): Promise<StyleSettings> {
  return {
    code: await styles.fromFile(path),
    alpha: new Float32Array([alpha]),
    preserveColor: false,
  };
}
