/**
 * What a style setting may be, written once: a flag, a config file, a schedule and a live
 * viewer's message are all checked against these rules and described in these words, so a value
 * means the same thing everywhere, or is refused everywhere.
 */

/** A blend weight's upper bound: far above any useful ratio, and a sum of many can never overflow. */
export const WEIGHT_MAX = 1000;
export const WEIGHT_RULE = `a number above 0 and at most ${WEIGHT_MAX}`;
export const ALPHA_RULE = 'a number from 0 to 1';

/** Plain decimal notation only: no empty text, hex (`0x1`), `NaN` or `Infinity`. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const WHOLE = /^\d+$/;

/** The number `text` spells in decimal, or NaN when it spells none. */
export function parseDecimal(text: string): number {
  return DECIMAL.test(text.trim()) ? Number(text) : Number.NaN;
}

/** The whole number `text` spells in digits, or NaN. */
export function parseWhole(text: string): number {
  return WHOLE.test(text.trim()) ? Number(text) : Number.NaN;
}

export function isWeight(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= WEIGHT_MAX;
}

export function isStrength(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}
/** Why a per-level alpha does not fit the model; undefined when it does (or is one number). */
export function alphaLevelsProblem(
  alpha: number | readonly number[],
  levels: number | undefined,
): string | undefined {
  if (typeof alpha === 'number' || levels === undefined || alpha.length === levels)
    return undefined;
  return `Expected \`alpha\` to be one number or one per model level (${levels}), got ${alpha.length} values`;
}
