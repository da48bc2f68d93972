/**
 * The seam between a stylized frame and what a viewer transport sends: a `FrameEncoder` turns
 * frames into one codec's bytes, with a keyframe flag. Each codec is one implementation
 * (`jpeg-frame.ts`, `h264-frame-encoder.ts`); src/stream's transports pair one with its message
 * format and delivery policy.
 */
import type { Frame } from '../types.js';

export interface EncodedFrame {
  /** One frame in the codec's bytes: a JPEG file; an H.264 access unit (AVC: 4-byte NAL lengths). */
  data: Buffer;
  /** Decodes on its own; every later frame up to the next keyframe depends on it. */
  keyframe: boolean;
  /** What a decoder is configured with, on keyframes of codecs that need it (H.264: avcC). */
  config?: Buffer;
}

export interface FrameEncoder {
  /** Encodes one frame; an encoder's frames come out in the order they were given. */
  encode(frame: Frame): Promise<EncodedFrame>;
  /** Finishes the frames given, then stops. */
  close(): Promise<void>;
}
