/** Opens the model and its inference pool, and encodes the chosen styles: what every command needs. */
import { fileURLToPath } from 'node:url';
import type { Size } from '../decode/working-size.js';
import { describePrecision } from '../infer/choose-precision.js';
import { assertOpenPool, InferencePool } from '../infer/inference-pool.js';
import { loadModel } from '../infer/load-model.js';
import { alphaPerLevel, blendCodes, StyleCodes } from '../infer/style-codes.js';
import { asOptionError, checkOptions, type OptionsOf } from '../options/define-option.js';
import { poolOptions, styleOptions } from '../options/options.js';
import type { StyleSettings } from '../types.js';

export const SAMPLE_CLIP = fileURLToPath(new URL('../../assets/sample/clip.mp4', import.meta.url));
export const SAMPLE_STYLE = fileURLToPath(
  new URL('../../assets/sample/style.jpg', import.meta.url),
);

/** `model`, `device`, `precision`, `workers`, `threads`: see README.md's option table. */
export interface StylizerOptions extends OptionsOf<typeof poolOptions> {
  /** The working size, where `--precision auto` times fp32 against int8. */
  frameSize?: Size;
  /** Stops loading: rejects with an `ABORTED` error, every worker stopped. */
  signal?: AbortSignal;
}

export interface Stylizer {
  pool: InferencePool;
  styles: StyleCodes;
  close(): Promise<void>;
}

export async function openStylizer(options: StylizerOptions = {}): Promise<Stylizer> {
  const { model: name, ...pooled } = checkOptions(poolOptions, options);
  const model = await loadModel(name, { signal: options.signal });
  const pool = await InferencePool.open(model, {
    ...pooled,
    frameSize: options.frameSize,
    signal: options.signal,
  });
  return { pool, styles: new StyleCodes(pool), close: () => pool.close() };
}

/** What runs the model, for the CLI's lines: `cpu, int8 (1.31x faster than fp32 here, measured)`. */
export function describeRuntime(pool: InferencePool): string {
  return `${pool.provider}, ${describePrecision(pool.precision)}`;
}

/** `style`, `alpha`, `preserveColor`: see README.md's option table. */
export type StyleOptions = OptionsOf<typeof styleOptions>;

/** The settings for `--style`, `--alpha` and `--preserve-color`. Validated before any encoding. */
export async function chosenStyle(
  stylizer: Stylizer,
  options: StyleOptions = {},
): Promise<StyleSettings> {
  const checked = checkOptions(styleOptions, options);
  assertOpenPool(stylizer?.pool, 'stylizer.pool');
  const choices = checked.style?.length ? checked.style : [{ path: SAMPLE_STYLE, weight: 1 }];
  const alpha = asOptionError(() => alphaPerLevel(checked.alpha, stylizer.pool.model.card.levels));
  const codes = await Promise.all(choices.map((choice) => stylizer.styles.fromFile(choice.path)));
  const code = blendCodes(codes.map((c, i) => ({ code: c, weight: choices[i]!.weight })));
  return { code, alpha, preserveColor: Boolean(checked.preserveColor) };
}
