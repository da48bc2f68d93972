import { fileURLToPath } from 'node:url';
import { InferencePool, type PoolOptions } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { StyleCodes } from '../../src/infer/style-codes.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
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

/** The tiny model on the CPU: its pool, and the stylizer (and style codes) on that pool. */
export async function openTinyPool(
  options: PoolOptions = {},
): Promise<{ pool: InferencePool; stylizer: Stylizer; styles: StyleCodes }> {
  const pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu', ...options });
  const stylizer = poolStylizer(pool);
  return { pool, stylizer, styles: stylizer.styles };
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
