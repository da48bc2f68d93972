/**
 * The live stream's size and rate: the source's own, fitted to a fixed `--size`, or for `auto` a
 * ladder of sizes to step along (`SizeController`); and the best guess before a source opens.
 */
import { probeLiveSource, type LiveSource } from '../decode/live-source.js';
import { SIZE_720P, workingSize, type Size } from '../decode/working-size.js';
import type { VideoFormat } from './live-types.js';
import { AUTO_LIMIT, SizeController, sizeLadder } from './size-controller.js';

export interface LiveVideoOptions {
  source: LiveSource;
  size?: Size | 'auto';
  fps?: number;
  cameraFormat?: string;
}

/**
 * The working size before a source opens: a test pattern's own, and the best guess for any other
 * source — `--size` as given, or 1280×720 fitted to a `720p`-style limit.
 */
export function nominalLiveSize(limit?: Size | 'auto'): Size {
  if (limit === 'auto') return AUTO_LIMIT;
  return limit && Number.isFinite(limit.width) ? limit : workingSize(SIZE_720P, limit);
}

/** What a live source delivers: its video's format, and whether it has audio. */
export interface LiveSourceFormat {
  video: VideoFormat;
  hasAudio: boolean;
}

/**
 * The source's own size and rate (fitted to a fixed `size`; `auto` fits it later), and whether it
 * has audio (the test pattern has none).
 */
export async function resolveLiveVideo(
  options: LiveVideoOptions,
  inputArgs: string[],
  signal: AbortSignal,
): Promise<LiveSourceFormat> {
  const fixed = options.size === 'auto' ? undefined : options.size;
  if (options.source.kind === 'testsrc')
    return { video: { ...nominalLiveSize(options.size), fps: options.fps ?? 30 }, hasAudio: false };
  const probed = await probeLiveSource(options.source, inputArgs, {
    signal,
    camera: { size: fixed, fps: options.fps, format: options.cameraFormat },
  });
  const { width, height } = workingSize(probed, fixed);
  return { video: { width, height, fps: options.fps ?? probed.fps }, hasAudio: probed.hasAudio };
}

/** The sizes the run may work at: a ladder for `auto`, else the one size it opened at. */
export function liveSizeController(
  size: Size | 'auto' | undefined,
  video: VideoFormat,
  sizeMultiple: number,
): SizeController {
  if (size !== 'auto') return new SizeController([video]);
  return new SizeController(sizeLadder(video, sizeMultiple));
}
