/** Opens a model on a pool of inference workers: the `Stylizer` every run takes. */
import { InferencePool, type PoolOptions } from '../infer/inference-pool.js';
import { loadModel } from '../infer/load-model.js';
import { StyleCodes } from '../infer/style-codes.js';
import { checkOptions } from '../options/define-option.js';
import { poolOptions } from '../options/options.js';
import type { Stylizer } from './stylizer.js';

/**
 * The model and how it runs: `model` and the pool's options (`device`, `precision`, `workers`,
 * `threads`) are the option table's (README.md; src/options holds their one definition and rule,
 * and test/api.test.ts holds these types to it).
 */
export interface StylizerOptions extends PoolOptions {
  /**
   * A shipped model (`paint`, `fast`), one in `~/.stylecast/models` (`STYLECAST_MODELS`), or a
   * model folder.
   * @default 'paint'
   */
  model?: string;
}

/**
 * Finds and checks the model, starts its inference workers and decides the precision. Every
 * option is checked by the rules of README.md's option table before anything starts.
 */
export async function openStylizer(options: StylizerOptions = {}): Promise<Stylizer> {
  const { model: name, ...pooled } = checkOptions(poolOptions, options);
  const model = await loadModel(name, { signal: options.signal });
  const pool = await InferencePool.open(model, {
    ...pooled,
    frameSize: options.frameSize,
    signal: options.signal,
  });
  return poolStylizer(pool);
}

/** A stylizer on a pool already open; closing it closes the pool. */
export function poolStylizer(pool: InferencePool): Stylizer {
  return {
    model: pool.model,
    provider: pool.provider,
    precision: pool.precision,
    get concurrency() {
      return pool.workerCount;
    },
    styles: new StyleCodes(pool),
    get isClosed() {
      return pool.isClosed;
    },
    stylize: (frames, settings) => pool.stylize(frames, settings),
    close: () => pool.close(),
  };
}
