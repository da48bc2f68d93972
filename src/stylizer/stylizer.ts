/**
 * The one thing every run takes: a model, open and ready to stylize frames. `renderVideo`,
 * `renderImage`, `startLive` and a farm worker's `renderChunk` all take a `Stylizer`;
 * `openStylizer` opens one on a pool of inference workers (src/infer). It is a plain object, so a
 * test can wrap one (`{ ...stylizer, stylize }`) to slow it or break it.
 */
import { badOption, StylecastError } from '../errors.js';
import type { PrecisionChoice } from '../infer/choose-precision.js';
import type { Provider } from '../infer/execution-provider.js';
import type { ModelFiles } from '../infer/load-model.js';
import type { StyleCodes } from '../infer/style-codes.js';
import { shown } from '../options/define-option.js';
import type { Frame, StyleSettings } from '../types.js';

export interface Stylizer {
  /** The model: its card (`name`, `levels`, `sizeMultiple`, `styleSize` …) and its graphs. */
  readonly model: ModelFiles;
  /** The execution provider the model runs on. */
  readonly provider: Provider;
  /** Which stylizer graph runs (fp32 or int8), and how that was decided. */
  readonly precision: PrecisionChoice;
  /** How many `stylize` calls run at once (one per worker): what keeps every worker busy. */
  readonly concurrency: number;
  /** Style images' codes, each image encoded once (cached by its bytes). */
  readonly styles: StyleCodes;
  /** Closed: it stylizes nothing more. */
  readonly isClosed: boolean;
  /** Stylizes frames of one size as one call; resolves with new frames (inputs are consumed). */
  stylize(frames: Frame[], settings: StyleSettings[]): Promise<Frame[]>;
  /** Stops the workers once the calls they are running finish. */
  close(): Promise<void>;
}

/**
 * Refuses anything but an open stylizer where a library call needs one: a missing or closed one
 * is a StylecastError, never a TypeError from deep inside.
 */
export function assertOpenStylizer(value: unknown, name = 'stylizer'): asserts value is Stylizer {
  const candidate = value as Partial<Stylizer> | null | undefined;
  if (typeof candidate?.stylize !== 'function' || typeof candidate.model?.card !== 'object')
    throw badOption(
      `Expected \`${name}\` to be an open stylizer (what openStylizer returns), got \`${value === undefined ? 'nothing' : shown(value)}\``,
    );
  if (candidate.isClosed) throw new StylecastError('ABORTED', 'The inference pool is closed');
}
