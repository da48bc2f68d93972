/**
 * The live pipeline: a live source is decoded as fast as it delivers, the newest frame waits in a
 * one-frame slot (older ones are dropped and counted), up to one frame per inference worker is
 * stylized at a time, and each result — unless a newer one already went out — is encoded as JPEG,
 * tagged with its capture time and offered to every viewer (and to the recorder).
 *
 * When the source ends or fails, viewers are told and it is reopened with back-off (`retry`
 * times), or the run ends. A source that cannot be opened at the start (a camera not plugged in
 * yet, a stream not up yet) fails the start without `retry`; with it, the server starts anyway,
 * viewers see the source `retrying`, and the stream's size reaches them (`video`) once it opens.
 * One AbortSignal stops every stage; `done` settles only when ffmpeg, the in-flight frames and the
 * server have all stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeFrames } from '../decode/decode-frames.js';
import {
  describeLiveSource,
  findDshowCamera,
  isEndlessSource,
  liveInputArgs,
  probeLiveSource,
  type LiveSource,
} from '../decode/live-source.js';
import { workingSize, type Size } from '../decode/working-size.js';
import { encodeJpeg } from '../encode/jpeg-frame.js';
import { prepareOutput } from '../encode/output-file.js';
import { isAbortError, StylecastError } from '../errors.js';
import { tagJpegFrame } from '../stream/jpeg-frame-tag.js';
import { LiveControls } from '../stream/live-controls.js';
import type { LiveSettings, SourceStatus, StatsSnapshot, VideoFormat } from '../stream/protocol.js';
import type { StyleGallery } from '../stream/style-gallery.js';
import {
  startStreamServer,
  type StreamServer,
  type StreamServerOptions,
} from '../stream/stream-server.js';
import type { Frame, StyleForFrame, StyleSettings } from '../types.js';
import { LiveFrameSlot } from './live-frame-slot.js';
import { startLiveRecorder, type LiveRecorder } from './live-recorder.js';
import { LiveStats, percentile } from './live-stats.js';
import type { LiveStylizer } from './live-stylizer.js';
import { AUTO_LIMIT, SizeController, sizeLadder } from './size-controller.js';
import { checkOptions, pickOptions } from '../options/define-option.js';
import { liveOptions } from '../options/options.js';

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
  stylizer: LiveStylizer;
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
  /** Also records the stylized stream to this file (formats and rules as in render). */
  record?: string;
  /** Files the run reads besides the source and the gallery (a config, a schedule): not `record`. */
  reads?: readonly string[];
  signal?: AbortSignal;
  /** Every source state change (for the CLI's log). */
  onSource?: (status: SourceStatus) => void;
  /** Every frame sent, with its capture and send times (ms since the epoch); for the benchmark. */
  onFrameSent?: (frame: { index: number; captureMs: number; sentMs: number }) => void;
}

export interface LiveSummary {
  /** Why the run ended: the source finished, the caller stopped it. */
  reason: 'ended' | 'stopped';
  sourceFrames: number;
  sentFrames: number;
  drops: number;
  /** Frames in the recording (repeats that keep it in real time included). */
  recordedFrames?: number;
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
  /** Settles when everything has stopped; rejects when the source or a stage failed for good. */
  readonly done: Promise<LiveSummary>;
  /** Stops the run and waits for it. */
  stop(): Promise<LiveSummary>;
}

const MAX_BACKOFF_MS = 30_000;
/** A source that has streamed this long has its failure count reset. */
const HEALTHY_AFTER_MS = 30_000;
/** Inference failures in a row that end the run (a worker crash fails one frame, then restarts). */
const MAX_INFERENCE_FAILURES = 5;
/** How long stopping waits for in-flight frames. */
const DRAIN_MS = 5_000;

/** How often `--size auto` judges the stylizer's throughput, by source frame times. */
const SIZE_WINDOW_MS = 2000;

/** What `video` says before the source has ever opened. */
const UNKNOWN_VIDEO: VideoFormat = { width: 0, height: 0, fps: 0 };

interface Captured {
  frame: Frame;
  captureMs: number;
}

/**
 * The working size before a source opens: a test pattern's own, and the best guess for any other
 * source — `--size` as given, or 1280×720 fitted to a `720p`-style limit.
 */
export function nominalLiveSize(limit?: Size | 'auto'): Size {
  if (limit === 'auto') return AUTO_LIMIT;
  return limit && Number.isFinite(limit.width)
    ? limit
    : workingSize({ width: 1280, height: 720 }, limit);
}

/** The source's own size and rate (fitted to a fixed `size`); `auto` fits it later. */
async function resolveVideo(
  options: LiveOptions,
  inputArgs: string[],
  signal: AbortSignal,
): Promise<VideoFormat> {
  const fixed = options.size === 'auto' ? undefined : options.size;
  if (options.source.kind === 'testsrc')
    return { ...nominalLiveSize(options.size), fps: options.fps ?? 30 };
  const probed = await probeLiveSource(options.source, inputArgs, {
    signal,
    camera: { size: fixed, fps: options.fps, format: options.cameraFormat },
  });
  return { ...workingSize(probed, fixed), fps: options.fps ?? probed.fps };
}

/** The sizes the run may work at: a ladder for `auto`, else the one size it opened at. */
function sizeControllerFor(options: LiveOptions, video: VideoFormat): SizeController {
  if (options.size !== 'auto') return new SizeController([video]);
  return new SizeController(sizeLadder(video, options.stylizer.sizeMultiple ?? 2));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens the source, starts the viewer server and runs until the source ends or `stop()`. */
export async function startLive(options: LiveOptions): Promise<LiveRun> {
  options = { ...options, ...checkOptions(CHECKED_OPTIONS, options) };
  if (options.size !== undefined) liveOptions.size.check(options.size);
  const { retry = 0, quality = 80 } = options;
  const stopper = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([stopper.signal, options.signal])
    : stopper.signal;
  const { source, stylizer } = options;

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
  let video: VideoFormat | undefined;
  let startError: unknown;
  try {
    video = await resolveVideo(options, firstArgs, signal);
  } catch (error) {
    // Only a source that could not be opened is worth retrying; a missing file is not.
    const unopened = error instanceof StylecastError && error.code === 'SOURCE_FAILED';
    if (retry === 0 || !unopened || signal.aborted) throw error;
    startError = error;
  }
  let sizes = video ? sizeControllerFor(options, video) : undefined;
  if (video && sizes) video = { ...sizes.size, fps: video.fps };
  let inputArgs = video ? argsFor(video) : firstArgs;

  const controls = await LiveControls.create(
    options.gallery,
    options.settings,
    (settings, gallery) => stylizer.prepare(settings, gallery),
    { levels: stylizer.levels },
  );
  const slot = new LiveFrameSlot<Captured>();
  const stats = new LiveStats(() => slot.dropped);
  let fatal: unknown;
  const fail = (error: unknown): void => {
    fatal ??= error;
    stopper.abort();
  };
  // The recorder needs the stream's size: it starts when the source first opens, but its file
  // is checked now, before anything runs.
  let recorder: LiveRecorder | undefined;
  if (options.record) {
    const galleryFiles = options.gallery.names().map((name) => options.gallery.get(name)?.path);
    const sourceFile = options.source.kind === 'file' ? options.source.path : undefined;
    await prepareOutput(options.record, [sourceFile, ...galleryFiles, ...(options.reads ?? [])]);
    if (video) recorder = await startLiveRecorder(options.record, video, fail);
  }
  let server: StreamServer;
  try {
    server = await startStreamServer({
      ...options.server,
      controls,
      video: video ?? UNKNOWN_VIDEO,
      stats: () => stats.snapshot(),
    });
  } catch (error) {
    await recorder?.abort();
    throw error;
  }

  /** The source opened for the first time after failing at the start. */
  const sourceOpened = async (opened: VideoFormat): Promise<void> => {
    sizes = sizeControllerFor(options, opened);
    const format = { ...sizes.size, fps: opened.fps };
    video = format;
    inputArgs = argsFor(format);
    server.setVideo(format);
    if (options.record) recorder = await startLiveRecorder(options.record, format, fail);
  };

  const setSource = (status: SourceStatus): void => {
    server.setSource(status);
    options.onSource?.(status);
  };

  // ---- frames: slot → inference → JPEG → viewers ----
  let inFlight = 0;
  let lastSent = -1;
  let inferenceFailures = 0;
  let idle: (() => void) | undefined;

  /** Worker times per frame (ms) at the current size, since the last size window. */
  let stylizeTimes: number[] = [];

  let streamStartMs: number | undefined;
  const processFrame = async ({ frame, captureMs }: Captured): Promise<void> => {
    const settings = options.styleFor
      ? options.styleFor({ ...frame, ptsMs: captureMs - (streamStartMs ?? captureMs) })
      : controls.prepared;
    let output = frame;
    if (settings) {
      try {
        const startedMs = performance.now();
        output = await stylizer.stylize(frame, settings);
        if (output.width === video?.width) stylizeTimes.push(performance.now() - startedMs);
        inferenceFailures = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (++inferenceFailures >= MAX_INFERENCE_FAILURES) throw error;
        return;
      }
    }
    if (frame.index <= lastSent) return stats.lateDrop();
    const jpeg = await encodeJpeg(output, quality);
    if (frame.index <= lastSent || signal.aborted) return stats.lateDrop();
    lastSent = frame.index;
    server.broadcastFrame(tagJpegFrame(jpeg, { index: frame.index, captureMs }));
    const sentMs = Date.now();
    stats.sent(sentMs - captureMs);
    options.onFrameSent?.({ index: frame.index, captureMs, sentMs });
    recorder?.offer(output, captureMs);
  };

  const pump = (): void => {
    while (!signal.aborted && inFlight < stylizer.concurrency && slot.full) {
      const item = slot.take()!;
      // Nobody watching and nothing recording: spend no CPU on frames no one will see.
      if (server.viewerCount === 0 && !recorder) continue;
      inFlight++;
      void processFrame(item)
        .catch(fail)
        .finally(() => {
          inFlight--;
          if (inFlight === 0) idle?.();
          pump();
        });
    }
  };

  // ---- the source, reopened with back-off ----
  const stallMs = options.stallMs ?? 5_000;
  const label = describeLiveSource(source);
  let sequence = 0;

  const runSource = async (): Promise<'ended' | 'stopped'> => {
    let failures = 0;
    /** A failure met before this attempt started (opening the source at the start). */
    let failedEarly = startError;
    for (;;) {
      if (failedEarly === undefined && !video) {
        try {
          await sourceOpened(await resolveVideo(options, firstArgs, signal));
        } catch (caught) {
          if (!(caught instanceof StylecastError && caught.code === 'SOURCE_FAILED')) throw caught;
          failedEarly = caught;
        }
      }
      const attempt = new AbortController();
      const attemptSignal = AbortSignal.any([signal, attempt.signal]);
      let stalled = false;
      let resized = false;
      let connectedAt: number | undefined;
      let windowStartMs: number | undefined;
      let windowFrames = 0;
      let windowDrops = slot.dropped;
      stylizeTimes = [];
      /** Each SIZE_WINDOW_MS, `auto` judges the size; a new one restarts the decoder at it. */
      const judgeSize = (captureMs: number): void => {
        windowStartMs ??= captureMs;
        windowFrames++;
        const elapsedMs = captureMs - windowStartMs;
        if (!sizes || sizes.ladder.length < 2 || elapsedMs < SIZE_WINDOW_MS) return;
        const before = sizes.size;
        const next = sizes.observe({
          sourceFrames: windowFrames,
          dropped: slot.dropped - windowDrops,
          sourceFps: (windowFrames * 1000) / elapsedMs,
          stylizeMs: percentile(stylizeTimes, 50),
          workers: stylizer.concurrency,
        });
        windowStartMs = captureMs;
        windowFrames = 0;
        windowDrops = slot.dropped;
        stylizeTimes = [];
        if (next === before) return;
        video = { ...next, fps: video!.fps };
        resized = true;
        attempt.abort();
      };
      let watchdog: NodeJS.Timeout | undefined;
      const armWatchdog = (ms: number): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          stalled = true;
          attempt.abort();
        }, ms);
      };
      armWatchdog(Math.max(stallMs, 10_000)); // opening a network stream can take a while
      let error: unknown = failedEarly;
      failedEarly = undefined;
      try {
        if (error !== undefined) throw error;
        for await (const frame of decodeFrames({
          ...video!,
          inputArgs,
          label,
          signal: attemptSignal,
        })) {
          const captureMs = Date.now();
          streamStartMs ??= captureMs;
          if (connectedAt === undefined) {
            connectedAt = captureMs;
            if (failures > 0) setSource({ state: 'live' });
          } else if (failures > 0 && captureMs - connectedAt > HEALTHY_AFTER_MS) {
            failures = 0;
          }
          armWatchdog(stallMs);
          stats.sourceFrame();
          slot.put({ frame: { ...frame, index: sequence++ }, captureMs });
          pump();
          judgeSize(captureMs);
        }
      } catch (caught) {
        error = caught;
      } finally {
        clearTimeout(watchdog);
      }
      slot.clear();
      if (signal.aborted) return 'stopped';
      if (resized) {
        // Not a failure: the decoder starts again at the new working size.
        inputArgs = argsFor(video!);
        server.setVideo(video!);
        continue;
      }
      const failed = stalled || error !== undefined;
      if (!failed && !isEndlessSource(source) && !options.loop) return 'ended';
      const message = stalled
        ? `no frames for ${Math.round(stallMs / 1000)} s`
        : failed && !isAbortError(error)
          ? errorText(error)
          : `${label} ended`;
      if (failures >= retry) {
        if (!failed) return 'ended';
        // A source that never opened fails with why it could not be opened.
        if (!video) throw error;
        throw new StylecastError('SOURCE_FAILED', `Lost ${label}: ${message}`, { cause: error });
      }
      failures++;
      const delay = Math.min((options.retryDelayMs ?? 1000) * 2 ** (failures - 1), MAX_BACKOFF_MS);
      setSource({ state: 'retrying', attempt: failures, retryInMs: delay, message });
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return 'stopped';
      }
    }
  };

  const done = (async (): Promise<LiveSummary> => {
    let outcome: 'ended' | 'stopped' = 'stopped';
    try {
      outcome = await runSource();
    } catch (error) {
      fatal ??= error;
    }
    stopper.abort();
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => (idle = resolve)),
        sleep(DRAIN_MS, undefined, { ref: false }),
      ]);
    }
    const failure = fatal !== undefined && !isAbortError(fatal) ? fatal : undefined;
    setSource(
      failure
        ? { state: 'lost', message: errorText(failure) }
        : { state: 'ended', message: outcome === 'ended' ? `${label} ended` : 'stopped' },
    );
    try {
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
    done,
    stop() {
      stopper.abort();
      return done;
    },
  };
}
