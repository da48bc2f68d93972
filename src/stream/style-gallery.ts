/**
 * The styles a live run offers its viewers: the style images named on the command line plus the
 * images viewers upload. Every entry has decoded as an image; uploads are size-limited, and the
 * oldest unused upload leaves when there are too many.
 */
import { basename, extname } from 'node:path';
import { openStyleImage, styleFailure } from '../decode/style-image.js';
import { StylecastError } from '../errors.js';
import { readRegularFile } from '../read-file.js';
import type { GalleryItem } from './protocol.js';

const THUMBNAIL_SIDE = 96;

export interface GalleryEntry {
  name: string;
  /** The image file's bytes (JPEG, PNG, WebP, …), known to decode. */
  bytes: Buffer;
  /** Where it was read from; absent for uploads. */
  path?: string;
  uploaded: boolean;
  thumbnail: string;
}

export interface StyleGalleryOptions {
  /** Largest upload, in bytes of image data (after base64 decoding). */
  maxUploadBytes: number;
  /** Most uploads kept; the oldest one not in use leaves first. */
  maxUploads: number;
}

export interface PreparedUpload {
  bytes: Buffer;
  thumbnail: string;
}

export interface GallerySnapshot {
  readonly entries: ReadonlyMap<string, GalleryEntry>;
  readonly uploadCount: number;
  readonly changes: number;
}

/** A small JPEG of a style image; refused as `--style` would refuse it (style-image.ts). */
async function thumbnailOf(bytes: Buffer, label: string): Promise<string> {
  try {
    const image = await openStyleImage(bytes, label);
    const jpeg = await image
      .rotate()
      .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'cover' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch (error) {
    throw styleFailure(label, error);
  }
}

/** Turns a client's base64 text (optionally a `data:image/…;base64,` URL) into bytes, or null. */
export function decodeBase64Upload(text: string): Buffer | null {
  const body = text.replace(/^data:image\/[\w.+-]+;base64,/, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) return null;
  return Buffer.from(body, 'base64');
}

export class StyleGallery {
  private readonly entries = new Map<string, GalleryEntry>();
  private uploadCount = 0;
  private changes = 0;

  constructor(private readonly options: StyleGalleryOptions) {}

  /**
   * Loads style image files; names are the file names without extension, made unique. A file
   * that cannot be used fails the whole call, unless `skip` says to leave that one out.
   */
  static async fromFiles(
    paths: readonly string[],
    options: StyleGalleryOptions,
    skip: (path: string, problem: StylecastError) => boolean = () => false,
  ) {
    const gallery = new StyleGallery(options);
    for (const path of paths) {
      let bytes: Buffer;
      let thumbnail: string;
      try {
        bytes = await readRegularFile(path).catch((error: Error) => {
          throw new StylecastError(
            'INPUT_NOT_FOUND',
            `Cannot read style image \`${path}\`: ${error.message}`,
            { cause: error },
          );
        });
        thumbnail = await thumbnailOf(bytes, path);
      } catch (error) {
        if (error instanceof StylecastError && skip(path, error)) continue;
        throw error;
      }
      const name = gallery.uniqueName(
        basename(path, extname(path)).replace(/[^\w.-]+/g, '-') || 'style',
      );
      gallery.entries.set(name, { name, bytes, path, uploaded: false, thumbnail });
    }
    return gallery;
  }

  get(name: string): GalleryEntry | undefined {
    return this.entries.get(name);
  }

  /** Goes up whenever an entry is added or removed. */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.entries.size;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  items(): GalleryItem[] {
    return [...this.entries.values()].map(({ name, thumbnail, uploaded }) => ({
      name,
      thumbnail,
      uploaded,
    }));
  }

  /**
   * Checks an upload without adding it: base64 of at most `maxUploadBytes` bytes that decodes as
   * an image. Throws a `StylecastError` with code `UPLOAD_TOO_LARGE` or `UPLOAD_NOT_IMAGE`.
   */
  async prepareUpload(base64: string): Promise<PreparedUpload> {
    const { maxUploadBytes } = this.options;
    // Base64 is 4 characters per 3 bytes; refuse before decoding anything large.
    if (base64.length > Math.ceil((maxUploadBytes * 4) / 3) + 64) {
      throw new StylecastError(
        'UPLOAD_TOO_LARGE',
        `Upload is larger than the limit of ${maxUploadBytes} bytes`,
      );
    }
    const bytes = decodeBase64Upload(base64);
    if (!bytes) throw new StylecastError('UPLOAD_NOT_IMAGE', 'Upload is not valid base64');
    if (bytes.length > maxUploadBytes) {
      throw new StylecastError(
        'UPLOAD_TOO_LARGE',
        `Upload is ${bytes.length} bytes, over the limit of ${maxUploadBytes}`,
      );
    }
    try {
      return { bytes, thumbnail: await thumbnailOf(bytes, 'upload') };
    } catch (error) {
      const { code, message } = error as StylecastError;
      throw new StylecastError(
        code === 'INPUT_TOO_LARGE' ? 'UPLOAD_TOO_LARGE' : 'UPLOAD_NOT_IMAGE',
        message,
      );
    }
  }

  /**
   * Adds a checked upload under `name` (or `upload-N`), replacing an earlier upload of that
   * name; a gallery file keeps its name and the upload gets a fresh one. Names in `inUse` are
   * never evicted.
   */
  addUpload(
    upload: PreparedUpload,
    name: string | undefined,
    inUse: ReadonlySet<string>,
  ): GalleryEntry {
    const existing = name === undefined ? undefined : this.entries.get(name);
    const replacing = existing?.uploaded === true;
    const finalName =
      name === undefined
        ? this.uniqueName(`upload-${++this.uploadCount}`)
        : replacing
          ? name
          : this.uniqueName(name);
    if (!replacing) this.evictUploads(this.options.maxUploads - 1, inUse);
    const entry: GalleryEntry = { name: finalName, ...upload, uploaded: true };
    this.entries.delete(finalName);
    this.entries.set(finalName, entry);
    this.changes++;
    return entry;
  }

  private evictUploads(keep: number, inUse: ReadonlySet<string>): void {
    const uploads = [...this.entries.values()].filter((entry) => entry.uploaded);
    let count = uploads.length;
    for (const entry of uploads) {
      if (count <= keep) break;
      if (inUse.has(entry.name)) continue;
      this.entries.delete(entry.name);
      this.changes++;
      count--;
    }
  }

  /** The gallery as it is now, to `restore` if a change that added uploads is refused. */
  snapshot(): GallerySnapshot {
    return { entries: new Map(this.entries), uploadCount: this.uploadCount, changes: this.changes };
  }

  restore(snapshot: GallerySnapshot): void {
    this.entries.clear();
    for (const [name, entry] of snapshot.entries) this.entries.set(name, entry);
    this.uploadCount = snapshot.uploadCount;
    this.changes = snapshot.changes;
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.entries.has(name); n++) name = `${base}-${n}`;
    return name;
  }
}
