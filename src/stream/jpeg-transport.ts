/** JPEG to viewers: every frame stands alone, tagged in a comment segment (jpeg-frame-tag.ts). */
import { JpegFrameEncoder } from '../encode/jpeg-frame.js';
import { NewestFrameQueue } from './frame-queue.js';
import { tagJpegFrame } from './jpeg-frame-tag.js';
import type { ViewerTransport } from './viewer-transport.js';

export const jpegTransport: ViewerTransport = {
  openEncoder: (_size, { quality }) => new JpegFrameEncoder(quality),
  message: (encoded, tag) => tagJpegFrame(encoded.data, tag),
  createQueue: () => new NewestFrameQueue(),
};
