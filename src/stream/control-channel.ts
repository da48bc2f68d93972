/**
 * The control channel: what viewers say to the server and what it tells all of them back.
 * `ControlChannel` takes one viewer's text messages — frame acknowledgements, the codecs it
 * decodes, style changes — validated by `parseClientMessage` before anything acts on them, and
 * answers every refusal the one same way (`refuse`: an `error` with a stable code and the
 * request's `id`). Style changes go through the run's `LiveControls`, a few at most waiting per
 * viewer; `forwardControlChanges` sends what they changed to every viewer.
 */
import type { RawData } from 'ws';
import type { LiveControls } from './live-controls.js';
import {
  parseClientMessage,
  type ProtocolErrorCode,
  type ServerMessage,
  type StyleMessage,
} from './protocol.js';
import type { ViewerConnection } from './viewer-connection.js';
import { chooseCodec, type ViewerCodec } from './viewer-transports.js';

/** Most style changes one viewer may have waiting. */
const MAX_PENDING_CHANGES = 4;

type RequestId = string | number | undefined;

export class ControlChannel {
  /** This viewer's style changes applied or waiting to be. */
  private pendingChanges = 0;

  constructor(
    private readonly viewer: ViewerConnection,
    private readonly controls: LiveControls<unknown>,
    /** The codecs the server sends, best first. */
    private readonly codecs: readonly ViewerCodec[],
  ) {}

  /** Acts on one message from the viewer (ws's `message` event). */
  receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      return this.refuse(
        'UNEXPECTED_BINARY',
        'Send JSON text messages; uploads go base64 inside a `style` message',
      );
    }
    const parsed = parseClientMessage(data.toString());
    if (!parsed.ok) return this.refuse(parsed.code, parsed.message, parsed.id);
    const message = parsed.message;
    if (message.type === 'ack') return this.viewer.acknowledge(message.index);
    if (message.type === 'codecs') return this.switchCodec(message.codecs, message.id);
    this.change(message);
  }

  /** The viewer named the codecs it decodes: it gets the server's best of them from now on. */
  private switchCodec(decodable: readonly string[], id: RequestId): void {
    const chosen = chooseCodec(this.codecs, decodable);
    if (!chosen) {
      return this.refuse(
        'CODEC_UNSUPPORTED',
        `This server sends ${this.codecs.join(' or ')}; none of ${decodable.join(', ')}`,
        id,
      );
    }
    if (chosen !== this.viewer.codec) this.viewer.codec = chosen;
    this.viewer.sendMessage({ type: 'codec', codec: chosen });
  }

  /** Hands a style change to the controls; a refused one is answered to this viewer alone. */
  private change(message: StyleMessage): void {
    const { id } = message;
    if (this.pendingChanges >= MAX_PENDING_CHANGES) {
      return this.refuse('BUSY', 'Too many changes waiting; try again shortly', id);
    }
    this.pendingChanges++;
    void this.controls
      .apply(message)
      .then((result) => {
        if (!result.ok) this.refuse(result.code, result.message, id);
      })
      .catch((error: unknown) => {
        this.refuse('STYLE_FAILED', error instanceof Error ? error.message : String(error), id);
      })
      .finally(() => this.pendingChanges--);
  }

  /** The one answer to a message the server will not act on. */
  private refuse(code: ProtocolErrorCode, message: string, id?: RequestId): void {
    this.viewer.sendMessage({ type: 'error', code, message, ...(id !== undefined ? { id } : {}) });
  }
}

/**
 * Sends every change of the settings to every viewer through `broadcast` (the gallery first,
 * when an upload changed it); returns the function that stops it.
 */
export function forwardControlChanges(
  controls: LiveControls<unknown>,
  broadcast: (message: ServerMessage) => void,
): () => void {
  let galleryVersion = controls.gallery.version;
  return controls.onChange((settings) => {
    if (controls.gallery.version !== galleryVersion) {
      galleryVersion = controls.gallery.version;
      broadcast({ type: 'gallery', gallery: controls.gallery.items() });
    }
    broadcast({ type: 'settings', settings });
  });
}
