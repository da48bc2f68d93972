/**
 * What the live pipeline needs from inference: turn the viewers' settings into style settings
 * (codes encoded once per style image and cached, blended by weight), and stylize one frame.
 * `poolStylizer` adapts the worker pool of `src/infer`.
 */
import sharp from 'sharp';
import type { InferencePool } from '../infer/inference-pool.js';
import type { LiveSettings } from '../stream/protocol.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import type { Frame, StyleSettings } from '../types.js';

export interface LiveStylizer {
  /** How many frames may be in flight at once (one per worker). */
  readonly concurrency: number;
  /** The style settings for the viewers' settings; null shows frames unstyled. */
  prepare(settings: LiveSettings, gallery: StyleGallery): Promise<StyleSettings | null>;
  stylize(frame: Frame, settings: StyleSettings): Promise<Frame>;
}

/** Weighted mean of style codes: the blend DESIGN.md describes. */
export function blendCodes(parts: readonly { code: Float32Array; weight: number }[]): Float32Array {
  const first = parts[0];
  if (!first) throw new RangeError('Expected at least one style to blend');
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  if (!(total > 0))
    throw new RangeError(`Expected the style weights to add up above 0, got \`${total}\``);
  const blended = new Float32Array(first.code.length);
  for (const { code, weight } of parts) {
    for (let i = 0; i < blended.length; i++) blended[i]! += (code[i]! * weight) / total;
  }
  return blended;
}

export function poolStylizer(pool: InferencePool): LiveStylizer {
  const { styleSize, levels } = pool.model.card;
  // Keyed by the image bytes, so a re-upload under the same name gets a fresh code.
  const codes = new WeakMap<Buffer, Promise<Float32Array>>();
  const codeOf = (bytes: Buffer): Promise<Float32Array> => {
    let code = codes.get(bytes);
    if (!code) {
      code = sharp(bytes)
        .rotate()
        .resize(styleSize, styleSize, { fit: 'cover' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer()
        .then((pixels) => pool.encodeStyle(pixels, styleSize, styleSize));
      code.catch(() => codes.delete(bytes));
      codes.set(bytes, code);
    }
    return code;
  };
  return {
    concurrency: pool.workerCount,
    async prepare(settings, gallery) {
      const styles = settings.styles.filter((style) => style.weight > 0);
      if (styles.length === 0) return null;
      const parts = await Promise.all(
        styles.map(async ({ name, weight }) => {
          const entry = gallery.get(name);
          if (!entry) throw new RangeError(`No style named \`${name}\` in the gallery`);
          return { code: await codeOf(entry.bytes), weight };
        }),
      );
      return {
        code: blendCodes(parts),
        alpha: new Float32Array(levels).fill(settings.alpha),
        preserveColor: settings.preserveColor,
      };
    },
    async stylize(frame, settings) {
      const [stylized] = await pool.stylize([frame], [settings]);
      return stylized!;
    },
  };
}
