/**
 * The style state of a live run, changed by viewers: which styles are blended and how much,
 * alpha, and colour preservation. A change is applied whole or not at all: every name must be in
 * the gallery, every upload must decode, and the run's `prepare` (which encodes the style codes)
 * must succeed before the new settings replace the old ones; a refused change leaves the settings
 * and the gallery as they were. Changes apply one at a time. A per-level alpha must have one value
 * per model level (`levels`).
 */
import type { LiveSettings } from '../live/live-types.js';
import type { ProtocolErrorCode, StyleMessage } from './protocol.js';
import { StylecastError } from '../errors.js';
import type { PreparedUpload, StyleGallery } from './style-gallery.js';
import { alphaLevelsProblem } from '../style-values.js';

/** Turns settings into what each frame needs (style codes, alphas); may throw to refuse them. */
export type PrepareSettings<Prepared> = (
  settings: LiveSettings,
  gallery: StyleGallery,
) => Promise<Prepared>;

export interface LiveControlsOptions {
  /** The model's levels: a per-level alpha must have this many values (any count when absent). */
  levels?: number;
}

export type ApplyResult =
  | { ok: true; galleryChanged: boolean; settingsChanged: boolean }
  | { ok: false; code: ProtocolErrorCode; message: string };

export class LiveControls<Prepared = undefined> {
  private current: LiveSettings;
  private currentPrepared: Prepared;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(settings: LiveSettings) => void>();

  private constructor(
    readonly gallery: StyleGallery,
    settings: LiveSettings,
    prepared: Prepared,
    private readonly prepare: PrepareSettings<Prepared>,
    /** The model's levels, when known: how many values a per-level alpha takes. */
    readonly levels: number | undefined,
  ) {
    this.current = settings;
    this.currentPrepared = prepared;
  }

  /**
   * Checks and prepares the initial settings; throws a `RangeError` naming a missing style or an
   * alpha list that does not fit the model.
   */
  static async create<P>(
    gallery: StyleGallery,
    settings: LiveSettings,
    prepare: PrepareSettings<P>,
    options: LiveControlsOptions = {},
  ): Promise<LiveControls<P>> {
    const alphaProblem = alphaLevelsProblem(settings.alpha, options.levels);
    if (alphaProblem) throw new RangeError(alphaProblem);
    for (const { name } of settings.styles) {
      if (!gallery.get(name)) {
        throw new RangeError(`Expected a style in the gallery, got \`${name}\``);
      }
    }
    const prepared = await prepare(settings, gallery);
    return new LiveControls(gallery, structuredClone(settings), prepared, prepare, options.levels);
  }

  get settings(): LiveSettings {
    return structuredClone(this.current);
  }

  /** What `prepare` made of the current settings; read once per frame. */
  get prepared(): Prepared {
    return this.currentPrepared;
  }

  onChange(listener: (settings: LiveSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies one validated client message; changes queue behind each other. */
  apply(message: StyleMessage): Promise<ApplyResult> {
    const result = this.queue.then(() => this.applyNow(message));
    this.queue = result.catch(() => {});
    return result;
  }

  private async applyNow(message: StyleMessage): Promise<ApplyResult> {
    const next = structuredClone(this.current);
    const uploads: { upload: PreparedUpload; name: string | undefined; index: number }[] = [];
    if (message.type === 'alpha') {
      const problem = alphaLevelsProblem(message.alpha, this.levels);
      if (problem)
        return { ok: false, code: 'INVALID_MESSAGE', message: `Invalid message: ${problem}` };
      next.alpha = message.alpha;
    } else if (message.type === 'preserveColor') next.preserveColor = message.preserveColor;
    else {
      next.styles = [];
      for (const [index, entry] of message.styles.entries()) {
        if ('upload' in entry) {
          try {
            uploads.push({
              upload: await this.gallery.prepareUpload(entry.upload),
              name: entry.name,
              index,
            });
          } catch (error) {
            // The error codes of an upload are the protocol's codes for it.
            if (
              error instanceof StylecastError &&
              (error.code === 'UPLOAD_TOO_LARGE' || error.code === 'UPLOAD_NOT_IMAGE')
            ) {
              return { ok: false, code: error.code, message: error.message };
            }
            throw error;
          }
          next.styles.push({ name: '', weight: entry.weight });
        } else {
          if (!this.gallery.get(entry.name)) {
            return {
              ok: false,
              code: 'UNKNOWN_STYLE',
              message: `No style named \`${entry.name}\` in the gallery`,
            };
          }
          next.styles.push({ name: entry.name, weight: entry.weight });
        }
      }
    }
    // Uploads join the gallery once the whole message is known to be good, and leave again if
    // the new settings cannot be prepared: a refused change leaves everything as it was.
    const before = this.gallery.snapshot();
    const inUse = new Set([...this.current.styles, ...next.styles].map(({ name }) => name));
    for (const { upload, name, index } of uploads) {
      const entry = this.gallery.addUpload(upload, name, inUse);
      next.styles[index]!.name = entry.name;
      inUse.add(entry.name);
    }
    let prepared: Prepared;
    try {
      prepared = await this.prepare(next, this.gallery);
    } catch (error) {
      this.gallery.restore(before);
      return {
        ok: false,
        code: 'STYLE_FAILED',
        message: `Could not use that style: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const settingsChanged = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    this.currentPrepared = prepared;
    if (settingsChanged || uploads.length > 0) {
      for (const listener of this.listeners) listener(this.settings);
    }
    return { ok: true, galleryChanged: uploads.length > 0, settingsChanged };
  }
}
