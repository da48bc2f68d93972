/**
 * Style codes: each style image is encoded once (resized as the model's `styleSize` and `styleFit` say), cached by
 * the hash of its bytes; a blend is the weighted sum of codes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  ALPHA_RULE,
  alphaLevelsProblem,
  isStrength,
  isWeight,
  WEIGHT_RULE,
} from '../style-values.js';
import { openStyleImage, styleFailure } from '../decode/style-image.js';
import { assertReadableFile } from '../decode/probe.js';
import type { InferencePool } from './inference-pool.js';
import type { ModelCard } from './model-card.js';

type StyleFit = NonNullable<ModelCard['styleFit']>;

export interface WeightedCode {
  code: Float32Array;
  weight: number;
}

/** A style image decoded to RGB at the size the model reads it. */
export interface StylePixels {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes image bytes to RGB resized to `side` (`fit`: squashed to `side`×`side`, or its longer
 * side `side` with its aspect kept), or fails saying it is not an image.
 */
export async function styleImagePixels(
  bytes: Uint8Array,
  side: number,
  fit: StyleFit,
  label: string,
): Promise<StylePixels> {
  try {
    const image = await openStyleImage(bytes, label);
    const { data, info } = await image
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(side, side, { fit })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { pixels, width: info.width, height: info.height };
  } catch (error) {
    throw styleFailure(label, error);
  }
}

export class StyleCodes {
  private readonly cache = new Map<string, Promise<Float32Array>>();

  constructor(private readonly pool: InferencePool) {}

  /** The code of a style image file. */
  async fromFile(path: string): Promise<Float32Array> {
    await assertReadableFile(path, 'Style image');
    return this.fromBytes(await readFile(path), path);
  }

  /** The code of image bytes (an upload, a file's contents); identical bytes are encoded once. */
  fromBytes(bytes: Uint8Array, label = 'uploaded image'): Promise<Float32Array> {
    const key = createHash('sha256').update(bytes).digest('hex');
    let code = this.cache.get(key);
    if (!code) {
      const { styleSize, styleFit = 'fill' } = this.pool.model.card;
      code = styleImagePixels(bytes, styleSize, styleFit, label).then(({ pixels, width, height }) =>
        this.pool.encodeStyle(pixels, width, height),
      );
      this.cache.set(key, code);
      code.catch(() => this.cache.delete(key));
    }
    return code;
  }

  /** Number of distinct images encoded so far. */
  get size(): number {
    return this.cache.size;
  }
}

/** The weighted sum of codes, weights normalised to sum to 1. */
export function blendCodes(parts: readonly WeightedCode[]): Float32Array {
  const first = parts[0];
  if (!first) throw new RangeError('Expected at least one style to blend, got none');
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  for (const part of parts) {
    if (!isWeight(part.weight)) {
      throw new RangeError(`Expected style weights to be ${WEIGHT_RULE}, got \`${part.weight}\``);
    }
    if (part.code.length !== first.code.length) {
      throw new RangeError(
        `Expected codes of one length to blend, got ${first.code.length} and ${part.code.length}`,
      );
    }
  }
  const out = new Float32Array(first.code.length);
  for (const { code, weight } of parts) {
    const w = weight / total;
    for (let i = 0; i < out.length; i++) out[i]! += w * code[i]!;
  }
  return out;
}

/** Alpha for every level: one number for all of them, or one per level. */
export function alphaPerLevel(alpha: number | readonly number[], levels: number): Float32Array {
  const values = typeof alpha === 'number' ? new Array<number>(levels).fill(alpha) : [...alpha];
  const problem = alphaLevelsProblem(alpha, levels);
  if (problem) throw new RangeError(problem);
  for (const value of values) {
    if (!isStrength(value))
      throw new RangeError(`Expected \`alpha\` to be ${ALPHA_RULE}, got \`${value}\``);
  }
  return Float32Array.from(values);
}
