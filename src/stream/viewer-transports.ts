/**
 * The codecs viewers can receive, by name, and how `--viewer-codec` maps to the ones offered
 * (in the server's order of preference).
 */
import { h264Transport } from './h264-transport.js';
import { jpegTransport } from './jpeg-transport.js';
import type { ViewerTransport } from './viewer-transport.js';

export const VIEWER_CODECS = ['h264', 'jpeg'] as const;
export type ViewerCodec = (typeof VIEWER_CODECS)[number];

export const VIEWER_TRANSPORTS: Record<ViewerCodec, ViewerTransport> = {
  h264: h264Transport,
  jpeg: jpegTransport,
};

export const VIEWER_CODEC_CHOICES = ['auto', ...VIEWER_CODECS] as const;
export type ViewerCodecChoice = (typeof VIEWER_CODEC_CHOICES)[number];

/** The codecs a server offers for a `--viewer-codec` choice, best first. */
export function offeredCodecs(choice: ViewerCodecChoice): ViewerCodec[] {
  return choice === 'auto' ? [...VIEWER_CODECS] : [choice];
}

/** The first codec the server offers that the viewer decodes; undefined when there is none. */
export function chooseCodec(
  offered: readonly ViewerCodec[],
  decodable: readonly string[],
): ViewerCodec | undefined {
  return offered.find((codec) => decodable.includes(codec));
}
