/**
 * The viewers' style state (`LiveSettings`: gallery styles by name, weights, alpha) turned into
 * the stylizer's settings: each style image encoded once and cached, blended by weight.
 */
import { alphaPerLevel, blendCodes } from '../infer/style-codes.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { StyleSettings } from '../types.js';
import type { LiveSettings } from './live-types.js';

/** The style settings for the viewers' settings; null shows frames unstyled. */
export async function liveStyle(
  stylizer: Stylizer,
  settings: LiveSettings,
  gallery: StyleGallery,
): Promise<StyleSettings | null> {
  const styles = settings.styles.filter((style) => style.weight > 0);
  if (styles.length === 0) return null;
  const parts = await Promise.all(
    styles.map(async ({ name, weight }) => {
      const entry = gallery.get(name);
      if (!entry) throw new RangeError(`No style named \`${name}\` in the gallery`);
      return { code: await stylizer.styles.fromBytes(entry.bytes, name), weight };
    }),
  );
  return {
    code: blendCodes(parts),
    alpha: alphaPerLevel(settings.alpha, stylizer.model.card.levels),
    preserveColor: settings.preserveColor,
  };
}
