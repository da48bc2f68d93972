/**
 * What `startLive` takes and what a finished run reports. The options that the CLI shares are
 * checked by their one definition (src/options), in the CLI's words.
 */
import type { LiveSource } from '../decode/live-source.js';
import type { Size } from '../decode/working-size.js';
import { checkOptions, pickOptions, type ResolvedOptions } from '../options/define-option.js';
import { liveOptions } from '../options/options.js';
import type { PublishCounts, PublishStatus } from '../publish/stream-publisher.js';
import type { StreamServerOptions } from '../stream/stream-server.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import type { ViewerCodecChoice } from '../stream/viewer-transports.js';
import type { StyleForFrame } from '../types.js';
import type { SentFrame } from './live-frame-pump.js';
import type { LiveSettings, SourceStatus } from './live-types.js';

/**
 * The options checked by the CLI's rules (src/options). `size` is checked only when given: absent,
 * a library run keeps the source's size, where the CLI's default is `auto`.
 */
const CHECKED_OPTIONS = pickOptions(
  liveOptions,
  'fps',
  'cameraFormat',
  'loop',
  'retry',
  'quality',
  'record',
  'publish',
  'publishCa',
  'mute',
  'viewerCodec',
  'bitrate',
);

export interface LiveOptions {
  source: LiveSource;
  /** Play a file source again when it ends. */
  loop?: boolean;
  /**
   * Fit frames inside this size (aspect kept); the source's size when absent. `auto` starts at
   * the source's size (at most 1280×720) and steps down and up a ladder of sizes to keep up with
   * the source (`SizeController`); viewers get a `video` message at each change.
   */
  size?: Size | 'auto';
  /** Frame rate to decode at; the source's own when absent (30 for a camera or `testsrc`). */
  fps?: number;
  /** The pixel format or codec a camera is asked for (`mjpeg`, `yuyv422` …); cameras only. */
  cameraFormat?: string;
  gallery: StyleGallery;
  /** The style state the run starts with. */
  settings: LiveSettings;
  /**
   * A style schedule (`createScheduleStyle` from src/schedule): each frame's style by its capture
   * time since the stream started, in place of the viewers' style controls.
   */
  styleFor?: StyleForFrame;
  /** Host, port, token, origins and limits of the viewer server. */
  server?: Omit<StreamServerOptions, 'controls' | 'video' | 'stats'>;
  /** Times to reopen a source that fails or ends (a file without `loop` just ends). */
  retry?: number;
  /** First back-off delay; it doubles with each failed attempt, up to 30 s. */
  retryDelayMs?: number;
  /** A source that delivers no frame for this long is treated as lost. */
  stallMs?: number;
  /** JPEG quality of the frames sent to viewers. */
  quality?: number;
  /**
   * The codecs viewers may get: `auto` (H.264 where the browser decodes it, else JPEG), or one of
   * them only. Default `auto`.
   */
  viewerCodec?: ViewerCodecChoice;
  /** Most bits per second of the H.264 stream to viewers (over any second). Default 3 Mbit/s. */
  bitrate?: number;
  /** Also records the stylized stream to this file (formats and rules as in render). */
  record?: string;
  /**
   * Media servers to push the stylized stream to (rtmp://, rtmps://, srt:// URLs). One that is
   * down or drops the stream is reconnected with back-off (from `retryDelayMs`) while the run
   * lasts; it never stops the page or the recording.
   */
  publish?: readonly string[];
  /**
   * A PEM file of the CAs an rtmps:// target's certificate must come from, in place of the
   * system's (a private CA, a self-signed server). Checked at the start.
   */
  publishCa?: string;
  /**
   * Publish the stylized video only. By default a source with audio (a file, a stream) has it
   * published with the video; a camera has none.
   */
  mute?: boolean;
  /** Every change of a publish target's connection (for the CLI's log). */
  onPublish?: (status: PublishStatus) => void;
  /** Files the run reads besides the source and the gallery (a config, a schedule): not `record`. */
  reads?: readonly string[];
  signal?: AbortSignal;
  /** Every source state change (for the CLI's log). */
  onSource?: (status: SourceStatus) => void;
  /** Every frame sent, with its capture and send times (ms since the epoch); for the benchmark. */
  onFrameSent?: (frame: SentFrame) => void;
}

export interface LiveSummary {
  /** Why the run ended: the source finished, the caller stopped it. */
  reason: 'ended' | 'stopped';
  sourceFrames: number;
  sentFrames: number;
  drops: number;
  /** Frames in the recording (repeats that keep it in real time included). */
  recordedFrames?: number;
  /** What each publish target was sent. */
  published?: PublishCounts[];
}

/** The options with every checked one at its value or default. */
export type CheckedLiveOptions = LiveOptions & ResolvedOptions<typeof CHECKED_OPTIONS>;

/** Checks the options the CLI shares, by their rules; refuses a bad one before anything starts. */
export function checkLiveOptions(options: LiveOptions): CheckedLiveOptions {
  const checked = { ...options, ...checkOptions(CHECKED_OPTIONS, options) };
  if (options.size !== undefined) liveOptions.size.check(options.size);
  return checked;
}
