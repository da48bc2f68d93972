/**
 * H.264 to viewers: one x264 encoder per working size (h264-frame-encoder.ts), a keyframe every
 * second, frames that wait in order for each viewer (a viewer that joins or falls behind starts
 * again at the next keyframe).
 */
import { H264FrameEncoder } from '../encode/h264-frame-encoder.js';
import { KeyframeChainQueue } from './frame-queue.js';
import { packH264Frame } from './h264-frame-message.js';
import type { ViewerTransport } from './viewer-transport.js';

/** Seconds from one keyframe to the next: the longest a joining viewer waits for a picture. */
const KEYFRAME_SECONDS = 1;

export const h264Transport: ViewerTransport = {
  openEncoder: ({ width, height, fps }, { bitrate }) =>
    new H264FrameEncoder({
      width,
      height,
      fps,
      bitrate,
      keyframeInterval: Math.max(1, Math.round(fps * KEYFRAME_SECONDS)),
    }),
  message: (encoded, tag, size) => packH264Frame(encoded, tag, size),
  createQueue: () => new KeyframeChainQueue(),
};
