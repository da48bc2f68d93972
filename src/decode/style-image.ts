/**
 * What an image a run reads may be, written once: the pixel limit and the words for an image that
 * is too large or is no image. A style image is checked and decoded here wherever it comes from —
 * `--style`, a schedule, a live gallery or a viewer's upload — so one file is accepted everywhere
 * or refused everywhere with the same line.
 */
import sharp, { type Sharp } from 'sharp';
import { StylecastError } from '../errors.js';

/**
 * The most pixels an input image may have: a 16000x16000 PNG was seen peaking at 17 GB (about 66
 * bytes a pixel through decode, resize and inference), so 40 megapixels stays near 3 GB.
 */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** `what` (`Image`, `Style image`) `label` is over the limit, or null when it is not. */
export function tooLarge(
  what: string,
  label: string,
  size: { width: number; height: number },
): StylecastError | null {
  const pixels = size.width * size.height;
  if (!(pixels > MAX_IMAGE_PIXELS)) return null; // a header with no size is for the decoder to refuse
  return new StylecastError(
    'INPUT_TOO_LARGE',
    `${what} ${label} is ${size.width}x${size.height} (${(pixels / 1e6).toFixed(0)} megapixels); the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
  );
}

/**
 * The raster formats (as sharp names them) a style image may be. Not SVG: a vector file is a
 * document that can name other files, and a viewer may upload one.
 */
const STYLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

function notAStyle(label: string, error: unknown): StylecastError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new StylecastError(
    'STYLE_NOT_IMAGE',
    `Style is not an image that can be read: ${label} (${reason})`,
    { cause: error },
  );
}

/**
 * A sharp pipeline over a style image (a file or its bytes), refused first — from its header,
 * before any pixel is decoded — when it is too large or no image. Decoding errors later in the
 * pipeline say the same as a bad header: wrap them with `styleFailure`.
 */
export async function openStyleImage(input: string | Uint8Array, label: string): Promise<Sharp> {
  // The header alone (sharp's own pixel limit would fail this read with no size in its words).
  const meta = await sharp(input, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw notAStyle(label, error);
    });
  if (!STYLE_FORMATS.has(meta.format ?? ''))
    throw new StylecastError(
      'STYLE_NOT_IMAGE',
      `Style image ${label} is ${meta.format?.toUpperCase() ?? 'of no known format'}: a style is a JPEG, PNG, WebP, GIF, TIFF or AVIF image`,
    );
  const refused = tooLarge('Style image', label, meta);
  if (refused) throw refused;
  return sharp(input, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
}

/** The error for a style image that failed while decoding: ours as it is, sharp's in our words. */
export function styleFailure(label: string, error: unknown): StylecastError {
  return error instanceof StylecastError ? error : notAStyle(label, error);
}
