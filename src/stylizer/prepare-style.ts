/**
 * A run's style, ready for the stylizer: the chosen images encoded (each once) and blended by
 * weight, with an alpha for every model level — or, for a schedule, a style for each frame.
 */
import { alphaPerLevel, blendCodes } from '../infer/style-codes.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import { asOptionError, checkOptions } from '../options/define-option.js';
import { styleOptions } from '../options/options.js';
import { createScheduleStyle, type ScheduleStyleOptions } from '../schedule/schedule-style.js';
import type { Schedule } from '../schedule/schedule.js';
import type { StyleForFrame, StyleSettings } from '../types.js';
import { stylesOrDefault } from './default-style.js';
import { assertOpenStylizer, type Stylizer } from './stylizer.js';

/** A run's style: the option table's `style`, `alpha` and `preserveColor` (README.md). */
export interface StyleOptions {
  /**
   * Style images, blended by weight (each above 0, at most 1000; weights are relative).
   * @default the bundled sample style (`DEFAULT_STYLE`)
   */
  style?: StyleChoice[];
  /**
   * Style strength from 0 (the content) to 1: one number, or one per model level (`[0.2, 0.6, 1]`).
   * @default 1
   */
  alpha?: number | number[];
  /**
   * Keep the content's colours: the stylized luma with the source's chroma.
   * @default false
   */
  preserveColor?: boolean;
}

/**
 * The settings for `style` (the default style when none is given), `alpha` and `preserveColor`.
 * Every option is checked before any image is encoded.
 */
export async function prepareStyle(
  stylizer: Stylizer,
  options: StyleOptions = {},
): Promise<StyleSettings> {
  const checked = checkOptions(styleOptions, options);
  assertOpenStylizer(stylizer);
  const choices = stylesOrDefault(checked.style);
  const alpha = asOptionError(() => alphaPerLevel(checked.alpha, stylizer.model.card.levels));
  const codes = await Promise.all(choices.map((choice) => stylizer.styles.fromFile(choice.path)));
  const code = blendCodes(codes.map((c, i) => ({ code: c, weight: choices[i]!.weight })));
  return { code, alpha, preserveColor: Boolean(checked.preserveColor) };
}

/**
 * A schedule's style for each frame (from `loadSchedule`): every image encoded up front by this
 * stylizer, each frame's settings from its time (`origin`: see `createScheduleStyle`).
 */
export function scheduleStyle(
  stylizer: Stylizer,
  schedule: Schedule,
  options: Pick<ScheduleStyleOptions, 'origin'> = {},
): Promise<StyleForFrame> {
  assertOpenStylizer(stylizer);
  return createScheduleStyle(schedule, {
    ...options,
    encoder: stylizer.styles,
    levels: stylizer.model.card.levels,
  });
}
