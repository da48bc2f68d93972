/**
 * Encodes each stylized frame once per codec that some viewer receives now, with one encoder per
 * codec at the working size, and offers the resulting message to those viewers. An encoder opens
 * with the first frame its codec is wanted for (an H.264 stream therefore starts at a keyframe),
 * is replaced when the working size changes, and closes when no viewer wants its codec. An encoder
 * that fails (its ffmpeg died) loses its frames and is opened again with the next one; only
 * failures in a row end the run.
 */
import type { FrameEncoder } from '../encode/frame-encoder.js';
import type { Frame } from '../types.js';
import type { OutgoingFrame } from './frame-queue.js';
import type { FrameTag } from './jpeg-frame-tag.js';
import type { EncoderSettings, FrameSize } from './viewer-transport.js';
import { VIEWER_TRANSPORTS, VIEWER_CODECS, type ViewerCodec } from './viewer-transports.js';

/** The viewers' side, as the encoders see it (the stream server). */
export interface ViewerAudience {
  /** The codecs some viewer receives now. */
  codecsInUse(): ReadonlySet<ViewerCodec>;
  broadcastFrame(codec: ViewerCodec, frame: OutgoingFrame): void;
}

/** Failures in a row of one codec's encoder that end the run. */
const MAX_ENCODER_FAILURES = 3;

interface OpenEncoder {
  encoder: FrameEncoder;
  size: FrameSize;
}

export class ViewerEncoders {
  private readonly open = new Map<ViewerCodec, OpenEncoder>();
  /** Encoders closing: `close()` waits for them. */
  private readonly closing = new Set<Promise<void>>();
  private readonly failuresInARow = new Map<ViewerCodec, number>();

  constructor(
    private readonly audience: ViewerAudience,
    private readonly settings: EncoderSettings,
  ) {}

  /**
   * Encodes `frame` for every codec in use and offers it to their viewers; resolves once all are
   * offered. Calls must come in frame order (a video codec's frames depend on those before).
   */
  async deliver(frame: Frame, tag: FrameTag, fps: number): Promise<void> {
    const inUse = this.audience.codecsInUse();
    for (const codec of VIEWER_CODECS) if (!inUse.has(codec)) this.retire(codec);
    const size: FrameSize = { width: frame.width, height: frame.height, fps };
    await Promise.all(
      [...inUse].map(async (codec) => {
        const transport = VIEWER_TRANSPORTS[codec];
        const encoder = this.encoderFor(codec, size);
        let encoded;
        try {
          encoded = await encoder.encode(frame);
          this.failuresInARow.set(codec, 0);
        } catch (error) {
          if (this.open.get(codec)?.encoder === encoder) this.retire(codec);
          const failures = (this.failuresInARow.get(codec) ?? 0) + 1;
          this.failuresInARow.set(codec, failures);
          if (failures >= MAX_ENCODER_FAILURES) throw error;
          return;
        }
        this.audience.broadcastFrame(codec, {
          bytes: transport.message(encoded, tag, size),
          index: tag.index,
          keyframe: encoded.keyframe,
        });
      }),
    );
  }

  /** Finishes the frames in flight and closes every encoder. */
  async close(): Promise<void> {
    for (const codec of VIEWER_CODECS) this.retire(codec);
    await Promise.all(this.closing);
  }

  private encoderFor(codec: ViewerCodec, size: FrameSize): FrameEncoder {
    const current = this.open.get(codec);
    if (current && current.size.width === size.width && current.size.height === size.height) {
      return current.encoder;
    }
    this.retire(codec);
    const encoder = VIEWER_TRANSPORTS[codec].openEncoder(size, this.settings);
    this.open.set(codec, { encoder, size });
    return encoder;
  }

  private retire(codec: ViewerCodec): void {
    const current = this.open.get(codec);
    if (!current) return;
    this.open.delete(codec);
    const closed = current.encoder.close().finally(() => this.closing.delete(closed));
    this.closing.add(closed);
  }
}
