/**
 * What a way of sending frames to viewers is made of: an encoder (frame → bytes + keyframe flag,
 * one per working size, shared by every viewer of the codec), the binary message each encoded
 * frame goes out as, and the delivery policy for one viewer (`frame-queue.ts`). The codecs are
 * a table (`viewer-transports.ts`): another transport is another file beside these.
 */
import type { EncodedFrame, FrameEncoder } from '../encode/frame-encoder.js';
import type { FrameQueue } from './frame-queue.js';
import type { FrameTag } from './jpeg-frame-tag.js';

/** The settings encoders are opened with. */
export interface EncoderSettings {
  /** JPEG quality, 1 to 100. */
  quality: number;
  /** Most bits per second of a video codec's stream. */
  bitrate: number;
}

export interface FrameSize {
  width: number;
  height: number;
  /** The stream's nominal frame rate. */
  fps: number;
}

export interface ViewerTransport {
  /** Opens an encoder for frames of `size`. */
  openEncoder(size: FrameSize, settings: EncoderSettings): FrameEncoder;
  /** The binary message of one encoded frame. */
  message(encoded: EncodedFrame, tag: FrameTag, size: FrameSize): Buffer;
  /** A new viewer's queue. */
  createQueue(): FrameQueue;
}
