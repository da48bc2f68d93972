/**
 * What the live pipeline needs from inference: turn the viewers' settings into style settings
 * (codes encoded once per style image and cached, blended by weight), and stylize one frame.
 * `poolStylizer` adapts the worker pool of `src/infer`.
 */
import type { InferencePool } from '../infer/inference-pool.js';
import { alphaPerLevel, blendCodes, StyleCodes } from '../infer/style-codes.js';
import type { LiveSettings } from './live-types.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import type { Frame, StyleSettings } from '../types.js';

export interface LiveStylizer {
  /** How many frames may be in flight at once (one per worker). */
  readonly concurrency: number;
  /** The model's levels: how many values a per-level alpha takes. */
  readonly levels: number;
  /** Sides the model takes without padding are multiples of this (`--size auto` keeps to it). */
  readonly sizeMultiple?: number;
  /** The style settings for the viewers' settings; null shows frames unstyled. */
  prepare(settings: LiveSettings, gallery: StyleGallery): Promise<StyleSettings | null>;
  stylize(frame: Frame, settings: StyleSettings): Promise<Frame>;
}

/** Adapts the worker pool: codes come from `StyleCodes` (cached by image hash), blended by weight. */
export function poolStylizer(pool: InferencePool): LiveStylizer {
  const codes = new StyleCodes(pool);
  const { levels } = pool.model.card;
  return {
    concurrency: pool.workerCount,
    levels,
    sizeMultiple: pool.model.card.sizeMultiple,
    async prepare(settings, gallery) {
      const styles = settings.styles.filter((style) => style.weight > 0);
      if (styles.length === 0) return null;
      const parts = await Promise.all(
        styles.map(async ({ name, weight }) => {
          const entry = gallery.get(name);
          if (!entry) throw new RangeError(`No style named \`${name}\` in the gallery`);
          return { code: await codes.fromBytes(entry.bytes, name), weight };
        }),
      );
      return {
        code: blendCodes(parts),
        alpha: alphaPerLevel(settings.alpha, levels),
        preserveColor: settings.preserveColor,
      };
    },
    async stylize(frame, settings) {
      const [stylized] = await pool.stylize([frame], [settings]);
      return stylized!;
    },
  };
}
