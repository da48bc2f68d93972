/**
 * The live viewer protocol (documented for client authors in `docs/protocol.md`): each binary
 * message from the server is one frame in the codec the viewer chose (a tagged JPEG, or an H.264
 * frame message); each text message either way is a JSON object with a `type`. Everything a
 * client sends is validated here before anything acts on it.
 */
import { z } from 'zod';
import { WEIGHT_MAX } from '../style-values.js';
import type { LiveSettings, SourceStatus, VideoFormat } from '../live/live-types.js';
import type { ViewerCodec } from './viewer-transports.js';

export const PROTOCOL_VERSION = 2;

/** Longest gallery or upload name a client may use. */
const NAME_MAX = 64;
/** Most styles one blend may name. */
export const BLEND_MAX = 8;

const styleName = z
  .string()
  .min(1)
  .max(NAME_MAX)
  .regex(/^[\w.-]+$/, 'letters, digits, `_`, `.` and `-` only');

const weight = z.number().finite().min(0).max(WEIGHT_MAX);

/** One part of a blend: a gallery entry by name, or an uploaded image (base64 or a data URL). */
const styleEntry = z.union([
  z.strictObject({ name: styleName, weight: weight.default(1) }),
  z.strictObject({
    upload: z.string().min(1),
    /** The name the upload joins the gallery under; `upload-N` when absent. */
    name: styleName.optional(),
    weight: weight.default(1),
  }),
]);

const requestId = z.union([z.string().max(64), z.number().int()]).optional();

/** Most per-level alphas a message may carry (far above any model's levels). */
const LEVELS_MAX = 32;
const strength = z.number().min(0).max(1);
/** One strength for every level, or one per model level (the count is checked against the model). */
const alpha = z.union([strength, z.array(strength).min(1).max(LEVELS_MAX)]);

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('style'),
    id: requestId,
    /** An empty list shows the frames unstyled. */
    styles: z
      .array(styleEntry)
      .max(BLEND_MAX)
      .refine(
        (entries) => entries.length === 0 || entries.some((entry) => entry.weight > 0),
        'at least one weight must be above 0',
      ),
  }),
  z.strictObject({ type: z.literal('alpha'), id: requestId, alpha }),
  z.strictObject({
    type: z.literal('preserveColor'),
    id: requestId,
    preserveColor: z.boolean(),
  }),
  /** The client has received frame `index` (and those before it): see `ViewerConnection`. */
  z.strictObject({ type: z.literal('ack'), index: z.number().int().min(0) }),
  /** The codecs this viewer decodes, best first; names the server does not know are ignored. */
  z.strictObject({
    type: z.literal('codecs'),
    id: requestId,
    codecs: z.array(z.string().max(32)).min(1).max(8),
  }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
/** The messages that change the style state (`LiveControls`); the others are the connection's own. */
export type StyleMessage = Exclude<ClientMessage, { type: 'codecs' | 'ack' }>;
export type StyleEntry = z.infer<typeof styleEntry>;

export interface GalleryItem {
  name: string;
  /** A small JPEG as a `data:` URL, so the page needs no second, authenticated request. */
  thumbnail: string;
  uploaded: boolean;
}

export type ServerMessage =
  | {
      type: 'hello';
      protocol: number;
      width: number;
      height: number;
      fps: number;
      /** How many values a per-level `alpha` takes (the model's levels), when the server knows. */
      levels?: number;
      /** The codecs this server sends frames in, best first. */
      codecs: ViewerCodec[];
      /** The codec this viewer gets until it sends `codecs`; null: none until then. */
      codec: ViewerCodec | null;
      serverTimeMs: number;
      gallery: GalleryItem[];
      settings: LiveSettings;
      source: SourceStatus;
    }
  | { type: 'settings'; settings: LiveSettings }
  | { type: 'gallery'; gallery: GalleryItem[] }
  | ({ type: 'video' } & VideoFormat)
  | { type: 'source'; source: SourceStatus }
  | { type: 'codec'; codec: ViewerCodec }
  | {
      type: 'stats';
      serverTimeMs: number;
      fps: number;
      sourceFps: number;
      latencyMs: { p50: number; p95: number };
      drops: number;
      /** Viewers connected now. */
      viewers: number;
      /** Frames sent to this viewer in the last second, and skipped for it since it joined. */
      viewerFps: number;
      viewerSkipped: number;
      /** Megabits sent to this viewer in the last second. */
      viewerMbps: number;
    }
  | { type: 'error'; code: ProtocolErrorCode; message: string; id?: string | number };

/** Stable codes of `error` messages. */
export type ProtocolErrorCode =
  | 'NOT_JSON'
  | 'INVALID_MESSAGE'
  | 'UNEXPECTED_BINARY'
  | 'UNKNOWN_STYLE'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_NOT_IMAGE'
  | 'BUSY'
  | 'STYLE_FAILED'
  | 'CODEC_UNSUPPORTED';

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ProtocolErrorCode; message: string; id?: string | number };

/** Parses and validates one text message from a client; never throws. */
export function parseClientMessage(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'NOT_JSON', message: 'Expected a JSON object with a `type`' };
  }
  const result = clientMessageSchema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const id = z.object({ id: requestId }).safeParse(json);
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `\`${issue.path.join('.')}\`: ` : '';
  return {
    ok: false,
    code: 'INVALID_MESSAGE',
    message: `Invalid message: ${where}${issue?.message ?? 'not a known message'}`,
    ...(id.success && id.data.id !== undefined ? { id: id.data.id } : {}),
  };
}
