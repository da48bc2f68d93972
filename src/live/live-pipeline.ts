/**
 * The live pipeline, wired: a live source kept open with retries (`runLiveSource`) feeds the frame
 * pump (`LiveFramePump`: newest-frame slot → stylize → the viewers' encoders (`ViewerEncoders`:
 * JPEG, H.264) → viewers; the stylized frame → the recorder and each `StreamPublisher`), and with
 * `--size auto` each window of frames is judged (`SizeWindows`) and the source reopened at the new
 * size. This module starts and stops those parts and the viewer server around them.
 *
 * A source that cannot be opened at the start (a camera not plugged in yet, a stream not up yet)
 * fails the start without `retry`; with it, the server starts anyway, viewers see the source
 * `retrying`, and the stream's size reaches them (`video`) once it opens. One AbortSignal stops
 * every stage; `done` settles only when ffmpeg, the in-flight frames and the server have all
 * stopped.
 */
import { decodeFrames } from '../decode/decode-frames.js';
import {
  describeLiveSource,
  findDshowCamera,
  isEndlessSource,
  liveInputArgs,
  type LiveSource,
} from '../decode/live-source.js';
import type { Size } from '../decode/working-size.js';
import { prepareOutput } from '../encode/output-file.js';
import { errorText, isAbortError, StylecastError } from '../errors.js';
import { LiveControls } from '../stream/live-controls.js';
import type { LiveSettings, SourceStatus, StatsSnapshot, VideoFormat } from './live-types.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import { ViewerEncoders } from '../stream/viewer-encoders.js';
import { offeredCodecs, type ViewerCodecChoice } from '../stream/viewer-transports.js';
import {
  startStreamServer,
  type StreamServer,
  type StreamServerOptions,
} from '../stream/stream-server.js';
import { assertOpenStylizer, type Stylizer } from '../stylizer/stylizer.js';
import type { StyleForFrame, StyleSettings } from '../types.js';
import { LiveFramePump, type Captured, type SentFrame } from './live-frame-pump.js';
import { LiveFrameSlot } from './live-frame-slot.js';
import { startLiveRecorder, type LiveRecorder } from './live-recorder.js';
import { runLiveSource } from './live-source-loop.js';
import { LiveStats } from './live-stats.js';
import { liveStyle } from './live-style.js';
import { liveSizeController, resolveLiveVideo } from './live-video.js';
import { RetryBudget } from '../retry-budget.js';
import { SizeWindows } from './size-windows.js';
import { checkOptions, pickOptions } from '../options/define-option.js';
import { liveOptions } from '../options/options.js';
import { checkPublishable } from '../publish/ffmpeg-protocols.js';
import { parsePublishTarget, type PublishTarget } from '../publish/publish-target.js';
import {
  publishSize,
  StreamPublisher,
  type PublishCounts,
  type PublishStatus,
} from '../publish/stream-publisher.js';

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
  'viewerCodec',
  'bitrate',
);

export { nominalLiveSize } from './live-video.js';

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

export interface LiveRun {
  /** The viewer page's URL. */
  readonly url: string;
  readonly server: StreamServer;
  readonly controls: LiveControls<StyleSettings | null>;
  /** The stream's size and rate; all 0 until a source that failed at the start has opened. */
  readonly video: VideoFormat;
  stats(): StatsSnapshot;
  /** Frames read from the source, sent, and dropped, since the start. */
  counts(): { source: number; sent: number; drops: number };
  /** What each publish target has been sent so far. */
  publishCounts(): PublishCounts[];
  /** Settles when everything has stopped; rejects when the source or a stage failed for good. */
  readonly done: Promise<LiveSummary>;
  /** Stops the run and waits for it. */
  stop(): Promise<LiveSummary>;
}

/** How long stopping waits for in-flight frames. */
const DRAIN_MS = 5_000;

/** What `video` says before the source has ever opened. */
const UNKNOWN_VIDEO: VideoFormat = { width: 0, height: 0, fps: 0 };

/** Opens the source, starts the viewer server and runs until the source ends or `stop()`. */
export async function startLive(stylizer: Stylizer, options: LiveOptions): Promise<LiveRun> {
  options = { ...options, ...checkOptions(CHECKED_OPTIONS, options) };
  if (options.size !== undefined) liveOptions.size.check(options.size);
  const {
    quality = 80,
    viewerCodec = liveOptions.viewerCodec.default,
    bitrate = liveOptions.bitrate.default,
  } = options;
  const budget = new RetryBudget(options.retry ?? 0, { firstDelayMs: options.retryDelayMs });
  const stopper = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([stopper.signal, options.signal])
    : stopper.signal;
  assertOpenStylizer(stylizer);
  const { source } = options;

  const dshowCamera =
    source.kind === 'webcam' && !source.device && process.platform === 'win32'
      ? await findDshowCamera()
      : undefined;
  const firstArgs = liveInputArgs(source, {
    loop: options.loop,
    fps: options.fps,
    size: options.size === 'auto' ? undefined : options.size,
    cameraFormat: options.cameraFormat,
    dshowCamera,
  });
  // A test pattern is generated at the working size; everything else is scaled to it.
  const argsFor = (format: VideoFormat): string[] =>
    source.kind === 'testsrc'
      ? liveInputArgs(source, { fps: format.fps, size: format })
      : firstArgs;
  const windowsFor = (opened: VideoFormat): SizeWindows =>
    new SizeWindows(liveSizeController(options.size, opened, stylizer.model.card.sizeMultiple));
  let video: VideoFormat | undefined;
  let startError: unknown;
  try {
    video = await resolveLiveVideo(options, firstArgs, signal);
  } catch (error) {
    // Only a source that could not be opened is worth retrying; a missing file is not.
    const unopened = error instanceof StylecastError && error.code === 'SOURCE_FAILED';
    if (budget.retries === 0 || !unopened || signal.aborted) throw error;
    startError = error;
  }
  let sizes = video ? windowsFor(video) : undefined;
  if (video && sizes) video = { ...sizes.controller.size, fps: video.fps };
  let inputArgs = video ? argsFor(video) : firstArgs;
  /** `auto` chose a new working size: the source reopens at it. */
  let resized = false;

  const controls = await LiveControls.create(
    options.gallery,
    options.settings,
    (settings, gallery) => liveStyle(stylizer, settings, gallery),
    { levels: stylizer.model.card.levels },
  );
  const slot = new LiveFrameSlot<Captured>();
  const stats = new LiveStats(() => slot.dropped);
  let fatal: unknown;
  const fail = (error: unknown): void => {
    fatal ??= error;
    stopper.abort();
  };
  // Each target this ffmpeg can write, checked before anything starts.
  const targets: PublishTarget[] = (options.publish ?? []).map(parsePublishTarget);
  for (const target of targets) await checkPublishable(target);
  // The recorder needs the stream's size: it starts when the source first opens, but its file
  // is checked now, before anything runs.
  let recorder: LiveRecorder | undefined;
  if (options.record) {
    const galleryFiles = options.gallery.names().map((name) => options.gallery.get(name)?.path);
    const sourceFile = options.source.kind === 'file' ? options.source.path : undefined;
    await prepareOutput(options.record, [sourceFile, ...galleryFiles, ...(options.reads ?? [])]);
    if (video) recorder = await startLiveRecorder(options.record, video, fail);
  }
  const publishers: StreamPublisher[] = [];
  /** Publishing starts, like the recording, once the stream's size is known. */
  const startPublishing = (format: VideoFormat): void => {
    for (const target of targets) {
      publishers.push(
        new StreamPublisher({
          target,
          video: { ...publishSize(format), fps: format.fps },
          firstDelayMs: options.retryDelayMs,
          onStatus: options.onPublish,
          signal,
        }),
      );
    }
  };
  let server: StreamServer;
  try {
    server = await startStreamServer({
      ...options.server,
      codecs: offeredCodecs(viewerCodec),
      controls,
      video: video ?? UNKNOWN_VIDEO,
      stats: () => stats.snapshot(),
    });
  } catch (error) {
    await recorder?.abort();
    throw error;
  }
  if (video) startPublishing(video);

  /** The source opened for the first time after failing at the start. */
  const sourceOpened = async (opened: VideoFormat): Promise<void> => {
    sizes = windowsFor(opened);
    const format = { ...sizes.controller.size, fps: opened.fps };
    video = format;
    inputArgs = argsFor(format);
    server.setVideo(format);
    if (options.record) recorder = await startLiveRecorder(options.record, format, fail);
    startPublishing(format);
  };

  const setSource = (status: SourceStatus): void => {
    server.setSource(status);
    options.onSource?.(status);
  };

  const encoders = new ViewerEncoders(server, { quality, bitrate });
  let streamStartMs: number | undefined;
  const pump = new LiveFramePump({
    stylizer,
    slot,
    stats,
    styleFor: ({ frame, captureMs }) =>
      options.styleFor
        ? options.styleFor({ ...frame, ptsMs: captureMs - (streamStartMs ?? captureMs) })
        : controls.prepared,
    wanted: () => server.viewerCount > 0 || recorder !== undefined || publishers.length > 0,
    timed: (ms, output) => {
      if (output.width === video?.width) sizes?.timed(ms);
    },
    deliver: async (output, tag) => {
      recorder?.offer(output, tag.captureMs);
      for (const publisher of publishers) publisher.offer(output);
      await encoders.deliver(output, tag, video?.fps ?? 30);
    },
    sent: (frame) => options.onFrameSent?.(frame),
    signal,
    fail,
  });

  const label = describeLiveSource(source);
  let sequence = 0;
  const runSource = (): Promise<'ended' | 'stopped'> =>
    runLiveSource({
      label,
      finite: !isEndlessSource(source) && !options.loop,
      budget,
      stallMs: options.stallMs ?? 5_000,
      signal,
      startError,
      open: async (attemptSignal) => {
        if (!video) await sourceOpened(await resolveLiveVideo(options, firstArgs, signal));
        if (resized) {
          inputArgs = argsFor(video!);
          server.setVideo(video!);
          resized = false;
        }
        sizes?.restart(slot.dropped);
        return decodeFrames({ ...video!, inputArgs, label, signal: attemptSignal });
      },
      frame: (frame, captureMs) => {
        streamStartMs ??= captureMs;
        stats.sourceFrame();
        pump.put({ frame: { ...frame, index: sequence++ }, captureMs });
        // Each window, `auto` judges the size; a new one restarts the decoder at it.
        const next = sizes?.frame(captureMs, slot.dropped, stylizer.concurrency);
        if (!next) return false;
        video = { ...next, fps: video!.fps };
        resized = true;
        return true;
      },
      attemptEnded: () => pump.clear(),
      status: setSource,
    });

  const publishCounts = (): PublishCounts[] => publishers.map((publisher) => publisher.counts());

  const done = (async (): Promise<LiveSummary> => {
    let outcome: 'ended' | 'stopped' = 'stopped';
    try {
      outcome = await runSource();
    } catch (error) {
      fatal ??= error;
    }
    stopper.abort();
    await pump.drain(DRAIN_MS);
    await encoders.close();
    const failure = fatal !== undefined && !isAbortError(fatal) ? fatal : undefined;
    setSource(
      failure
        ? { state: 'lost', message: errorText(failure) }
        : { state: 'ended', message: outcome === 'ended' ? `${label} ended` : 'stopped' },
    );
    try {
      await Promise.all(publishers.map((publisher) => publisher.stop()));
      if (failure) await recorder?.abort();
      else await recorder?.finish();
    } finally {
      await server.close();
    }
    if (failure) throw failure;
    return {
      reason: outcome,
      sourceFrames: stats.totalSource,
      sentFrames: stats.totalSent,
      drops: stats.drops,
      ...(recorder ? { recordedFrames: recorder.framesWritten } : {}),
      ...(publishers.length > 0 ? { published: publishCounts() } : {}),
    };
  })();
  done.catch(() => {}); // observed by the caller through `done` or `stop()`

  return {
    url: server.url,
    server,
    controls,
    get video() {
      return video ?? UNKNOWN_VIDEO;
    },
    stats: () => stats.snapshot(),
    counts: () => ({ source: stats.totalSource, sent: stats.totalSent, drops: stats.drops }),
    publishCounts,
    done,
    stop() {
      stopper.abort();
      return done;
    },
  };
}
