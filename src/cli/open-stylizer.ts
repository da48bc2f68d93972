/** Opens the model and its inference pool, and encodes the chosen styles: what every command needs. */
import { fileURLToPath } from 'node:url';
import type { Size } from '../decode/working-size.js';
import { describePrecision, type PrecisionRequest } from '../infer/choose-precision.js';
import type { Device } from '../infer/execution-provider.js';
import { InferencePool } from '../infer/inference-pool.js';
import { loadModel } from '../infer/load-model.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import { alphaPerLevel, blendCodes, StyleCodes } from '../infer/style-codes.js';
import type { StyleSettings } from '../types.js';

export const SAMPLE_CLIP = fileURLToPath(new URL('../../assets/sample/clip.mp4', import.meta.url));
export const SAMPLE_STYLE = fileURLToPath(
  new URL('../../assets/sample/style.jpg', import.meta.url),
);

export interface StylizerOptions {
  /** A shipped model's name (`paint`, `fast`) or a model folder. */
  model: string;
  /** Default `auto`: the best provider that loads. */
  device?: Device;
  /** Default `auto`: int8 where it measured faster on this CPU. */
  precision?: PrecisionRequest;
  /** The working size, where `--precision auto` times fp32 against int8. */
  frameSize?: Size;
  workers?: number;
  threads?: number;
  /** Stops loading: rejects with an `ABORTED` error, every worker stopped. */
  signal?: AbortSignal;
}

export interface Stylizer {
  pool: InferencePool;
  styles: StyleCodes;
  close(): Promise<void>;
}

export async function openStylizer(options: StylizerOptions): Promise<Stylizer> {
  const model = await loadModel(options.model, { signal: options.signal });
  const pool = await InferencePool.open(model, options);
  return { pool, styles: new StyleCodes(pool), close: () => pool.close() };
}

/** What runs the model, for the CLI's lines: `cpu, int8 (1.31x faster than fp32 here, measured)`. */
export function describeRuntime(pool: InferencePool): string {
  return `${pool.provider}, ${describePrecision(pool.precision)}`;
}

export interface StyleOptions {
  style?: StyleChoice[];
  alpha?: number | number[];
  preserveColor?: boolean;
}

/** The settings for `--style`, `--alpha` and `--preserve-color`. Validated before any encoding. */
export async function chosenStyle(
  stylizer: Stylizer,
  options: StyleOptions,
): Promise<StyleSettings> {
  const choices = options.style?.length ? options.style : [{ path: SAMPLE_STYLE, weight: 1 }];
  const alpha = alphaPerLevel(options.alpha ?? 1, stylizer.pool.model.card.levels);
  const codes = await Promise.all(choices.map((choice) => stylizer.styles.fromFile(choice.path)));
  const code = blendCodes(codes.map((c, i) => ({ code: c, weight: choices[i]!.weight })));
  return { code, alpha, preserveColor: Boolean(options.preserveColor) };
}
