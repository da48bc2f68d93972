/** `--style path[@weight]`: a style image, optionally weighted for blending. */
import { isWeight, parseDecimal, WEIGHT_RULE } from '../style-values.js';

export interface StyleChoice {
  path: string;
  weight: number;
}

export function parseStyleOption(text: string): StyleChoice {
  const at = text.lastIndexOf('@');
  const suffix = text.slice(at + 1);
  // A path may itself contain '@' (`me@home.jpg`, `a@b/c.jpg`); any other `@suffix` is a weight.
  if (at > 0 && !suffix.includes('/') && !/\.[a-z][a-z0-9]*$/i.test(suffix)) {
    const weight = parseDecimal(suffix);
    if (!isWeight(weight)) {
      throw new RangeError(
        `Expected the weight of style \`${text.slice(0, at)}\` to be ${WEIGHT_RULE}, got \`${suffix}\``,
      );
    }
    return { path: text.slice(0, at), weight };
  }
  if (text.length === 0)
    throw new RangeError('Expected `style` to be an image path, got an empty string');
  return { path: text, weight: 1 };
}
