/** `--style path[@weight]`: a style image, optionally weighted for blending. */
export interface StyleChoice {
  path: string;
  weight: number;
}

export function parseStyleOption(text: string): StyleChoice {
  const at = text.lastIndexOf('@');
  // A path may itself contain '@'; only a trailing `@number` is a weight.
  if (at > 0 && /^[-+\d.eE]+$/.test(text.slice(at + 1))) {
    const weight = Number(text.slice(at + 1));
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(
        `Expected the weight of style \`${text.slice(0, at)}\` to be a positive number, got \`${text.slice(at + 1)}\``,
      );
    }
    return { path: text.slice(0, at), weight };
  }
  if (text.length === 0)
    throw new RangeError('Expected `style` to be an image path, got an empty string');
  return { path: text, weight: 1 };
}
