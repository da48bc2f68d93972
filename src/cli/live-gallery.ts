/**
 * The styles `stylecast live` offers in its page: the `--style` images (the default style when
 * none is given), a `--gallery` folder's images, and the default style, each once. A bad image
 * from the folder is left out with a warning; a bad `--style` is an error.
 */
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { StylecastError } from '../errors.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import type { LiveSettings } from '../live/live-types.js';
import { StyleGallery } from '../stream/style-gallery.js';
import { DEFAULT_STYLE, stylesOrDefault } from '../stylizer/default-style.js';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
]);
/** Most images taken from a `--gallery` folder. */
const GALLERY_MAX = 64;
/** Most images viewers may upload while a run lasts. */
const UPLOADS_MAX = 16;

export interface LiveGalleryFlags {
  style?: StyleChoice[];
  gallery?: string;
  /** MiB. */
  maxUpload: number;
  alpha?: number | number[];
  preserveColor?: boolean;
}

export interface LiveStyles {
  gallery: StyleGallery;
  /** Every image file the gallery was made of. */
  paths: string[];
  /** The style state the run starts with: the `--style` images by their gallery names. */
  settings: LiveSettings;
}

async function galleryImages(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: Error) => {
    throw new StylecastError(
      'INPUT_NOT_FOUND',
      `Cannot read the gallery folder ${folder}: ${error.message}`,
    );
  });
  return entries
    .filter((entry) => entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
    .map((entry) => join(folder, entry.name))
    .sort()
    .slice(0, GALLERY_MAX);
}

export async function openLiveStyles(
  flags: LiveGalleryFlags,
  warn: (line: string) => void,
): Promise<LiveStyles> {
  const choices = stylesOrDefault(flags.style);
  const chosen = new Set(choices.map((choice) => resolve(choice.path)));
  const folder = flags.gallery ? await galleryImages(flags.gallery) : [];
  const paths = [...new Set([...chosen, ...folder, resolve(DEFAULT_STYLE)])];
  const gallery = await StyleGallery.fromFiles(
    paths,
    { maxUploadBytes: flags.maxUpload * 1024 * 1024, maxUploads: UPLOADS_MAX },
    (path, problem) => {
      if (chosen.has(path)) return false;
      warn(`Warning: ${problem.message}; left out of the gallery`);
      return true;
    },
  );
  const nameOf = (path: string): string =>
    gallery.names().find((name) => gallery.get(name)?.path === resolve(path))!;
  return {
    gallery,
    paths,
    settings: {
      styles: choices.map((choice) => ({ name: nameOf(choice.path), weight: choice.weight })),
      alpha: flags.alpha ?? 1,
      preserveColor: Boolean(flags.preserveColor),
    },
  };
}
