/** Opens a model on a pool of inference workers: the `Stylizer` every run takes. */
import type { Size } from '../decode/working-size.js';
import type { PrecisionRequest } from '../infer/choose-precision.js';
import type { Device } from '../infer/execution-provider.js';
import { InferencePool } from '../infer/inference-pool.js';
import { loadModel } from '../infer/load-model.js';
import { StyleCodes } from '../infer/style-codes.js';
import { checkOptions } from '../options/define-option.js';
import { poolOptions } from '../options/options.js';
import type { Stylizer } from './stylizer.js';

/**
 * The model and how it runs. The first five are the option table's (README.md; src/options holds
 * their one definition and rule, and test/api.test.ts holds these types to it).
 */
export interface StylizerOptions {
  /**
   * A shipped model (`paint`, `fast`), one in `~/.stylecast/models` (`STYLECAST_MODELS`), or a
   * model folder.
   * @default 'paint'
   */
  model?: string;
  /**
   * The execution provider: `auto` tries TensorRT, CUDA, WebGPU, then the CPU, and uses the first
   * that loads; a named one that cannot load is an error saying what is missing.
   * @default 'auto'
   */
  device?: Device;
  /**
   * Which stylizer graph runs: `fp32`, the model's `int8` variant (CPU only), or `auto`: int8
   * where it measured faster on this CPU (timed once, remembered).
   * @default 'auto'
   */
  precision?: PrecisionRequest;
  /**
   * Inference worker threads, 1 to 64.
   * @default one per core on the CPU (fewer with `threads`), one on a GPU
   */
  workers?: number;
  /**
   * ONNX Runtime threads per worker, 1 to 64.
   * @default 1
   */
  threads?: number;
  /** The working size, where `precision: 'auto'` times fp32 against int8 (default 1280×720). */
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
