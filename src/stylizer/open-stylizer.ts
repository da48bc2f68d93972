/** Opens a model on a pool of inference workers: the `Stylizer` every run takes. */
import type { Size } from '../decode/working-size.js';
import { InferencePool } from '../infer/inference-pool.js';
import { loadModel } from '../infer/load-model.js';
import { StyleCodes } from '../infer/style-codes.js';
import { checkOptions, type OptionsOf } from '../options/define-option.js';
import { poolOptions } from '../options/options.js';
import type { Stylizer } from './stylizer.js';

/** `model`, `device`, `precision`, `workers`, `threads`: see README.md's option table. */
export interface StylizerOptions extends OptionsOf<typeof poolOptions> {
  /** The working size, where `--precision auto` times fp32 against int8. */
  frameSize?: Size;
  /** Stops loading: rejects with an `ABORTED` error, every worker stopped. */
  signal?: AbortSignal;
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
