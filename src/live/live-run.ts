/**
 * A live run, wired: a live source kept open with retries (`runLiveSource`) feeds the frame pump
 * (`LiveFramePump`: newest-frame slot → stylize → the viewers' encoders (`ViewerEncoders`: JPEG,
 * H.264) → viewers; the stylized frame → the recording and each media server (`LiveOutputs`)),
 * and with `size: 'auto'` each window of frames is judged (`LiveInput`) and the source reopened
 * at the new size. This class starts and stops those parts and the viewer server around them.
 *
 * Its states: `opening` until the source has opened — at once, or, when it could not be opened at
 * the start (a camera not plugged in yet, a stream not up yet) and `retry` allows, on a later
 * attempt: the server starts anyway, viewers see the source `retrying`, and the stream's size
 * reaches them (`video`) once it opens; `live` while frames flow; `resizing` from the frame where
 * `auto` chose a new size until the source has reopened at it; `stopping` once the source has
 * ended or `stop()` was called (in-flight frames drain, the outputs finish); `stopped`. One
 * AbortSignal stops every stage; `done` settles only when ffmpeg, the in-flight frames and the
 * server have all stopped.
 */
import { decodeFrames } from '../decode/decode-frames.js';
import { describeLiveSource, isEndlessSource } from '../decode/live-source.js';
import { PCM_AUDIO } from '../decode/pcm-audio.js';
import { errorText, isAbortError } from '../errors.js';
import type { PublishCounts } from '../publish/stream-publisher.js';
import { RetryBudget } from '../retry-budget.js';
import { LiveControls } from '../stream/live-controls.js';
import { startStreamServer, type StreamServer } from '../stream/stream-server.js';
import { ViewerEncoders } from '../stream/viewer-encoders.js';
import { offeredCodecs } from '../stream/viewer-transports.js';
import { assertOpenStylizer, type Stylizer } from '../stylizer/stylizer.js';
import type { Frame, StyleSettings } from '../types.js';
import { LiveFramePump, type Captured } from './live-frame-pump.js';
import { LiveFrameSlot } from './live-frame-slot.js';
import { LiveInput } from './live-input.js';
import {
  checkLiveOptions,
  type CheckedLiveOptions,
  type LiveOptions,
  type LiveSummary,
} from './live-options.js';
import { LiveOutputs } from './live-outputs.js';
import { runLiveSource } from './live-source-loop.js';
import { LiveStats } from './live-stats.js';
import { liveStyle } from './live-style.js';
import { SourceAudioClock } from './source-audio-clock.js';
import type { SourceStatus, StatsSnapshot, VideoFormat } from './live-types.js';

/** How long stopping waits for in-flight frames. */
const DRAIN_MS = 5_000;
/** A source that delivers no frame for this long is treated as lost, unless `stallMs` says. */
const SOURCE_STALL_MS = 5_000;
/** What `video` says before the source has ever opened. */
const UNKNOWN_VIDEO: VideoFormat = { width: 0, height: 0, fps: 0 };

export type LiveRunState = 'opening' | 'live' | 'resizing' | 'stopping' | 'stopped';

/** Opens the source, starts the viewer server and runs until the source ends or `stop()`. */
export function startLive(stylizer: Stylizer, options: LiveOptions): Promise<LiveRun> {
  return LiveRun.start(stylizer, options);
}

/** Stops every stage at once: the caller's signal, `stop()`, or the first stage that fails. */
class RunStopper {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal;
  /** The first failure of any stage; undefined while there is none. */
  failure: unknown;

  constructor(outer: AbortSignal | undefined) {
    this.signal = outer ? AbortSignal.any([this.controller.signal, outer]) : this.controller.signal;
  }

  stop(): void {
    this.controller.abort();
  }

  readonly fail = (error: unknown): void => {
    this.failure ??= error;
    this.controller.abort();
  };
}

/** What `LiveRun.start` opens and checks before the run begins. */
interface LiveRunParts {
  stylizer: Stylizer;
  options: CheckedLiveOptions;
  stopper: RunStopper;
  input: LiveInput;
  /** Why the source could not be opened at the start (the first attempt fails so). */
  startError: unknown;
  controls: LiveControls<StyleSettings | null>;
  outputs: LiveOutputs;
  server: StreamServer;
  slot: LiveFrameSlot<Captured>;
  statistics: LiveStats;
}

export class LiveRun {
  readonly server: StreamServer;
  readonly controls: LiveControls<StyleSettings | null>;
  /** Settles when everything has stopped; rejects when the source or a stage failed for good. */
  readonly done: Promise<LiveSummary>;

  private current: LiveRunState;
  private readonly stylizer: Stylizer;
  private readonly options: CheckedLiveOptions;
  private readonly stopper: RunStopper;
  private readonly input: LiveInput;
  private readonly startError: unknown;
  private readonly outputs: LiveOutputs;
  private readonly slot: LiveFrameSlot<Captured>;
  private readonly statistics: LiveStats;
  private readonly encoders: ViewerEncoders;
  private readonly pump: LiveFramePump;
  private readonly label: string;
  /** When the first frame was captured: a schedule's time 0. */
  private streamStartMs: number | undefined;
  /** The next frame's index, counted across every attempt. */
  private sequence = 0;
  /** The current attempt's audio, dated on its frames' clock. */
  private audioClock = new SourceAudioClock();

  /** Checks every option, opens the source (or learns it must retry) and starts the server. */
  static async start(stylizer: Stylizer, given: LiveOptions): Promise<LiveRun> {
    const options = checkLiveOptions(given);
    assertOpenStylizer(stylizer);
    const stopper = new RunStopper(options.signal);
    const { card } = stylizer.model;
    const { input, startError } = await LiveInput.open(options, card.sizeMultiple, stopper.signal);
    const controls = await LiveControls.create(
      options.gallery,
      options.settings,
      (settings, gallery) => liveStyle(stylizer, settings, gallery),
      { levels: card.levels },
    );
    const slot = new LiveFrameSlot<Captured>();
    const statistics = new LiveStats(() => slot.dropped);
    const outputs = await LiveOutputs.check(
      { ...options, signal: stopper.signal, fail: stopper.fail },
      filesRead(options),
    );
    if (input.format) await outputs.startRecording(input.format);
    let server: StreamServer;
    try {
      server = await startStreamServer({
        ...options.server,
        codecs: offeredCodecs(options.viewerCodec),
        controls,
        video: input.format ?? UNKNOWN_VIDEO,
        stats: () => statistics.snapshot(),
      });
    } catch (error) {
      await outputs.abort();
      throw error;
    }
    if (input.format) outputs.startPublishing(input.format, input.hasAudio);
    const parts = { stylizer, options, stopper, input, startError, controls, outputs, server };
    return new LiveRun({ ...parts, slot, statistics });
  }

  private constructor(parts: LiveRunParts) {
    this.server = parts.server;
    this.controls = parts.controls;
    this.stylizer = parts.stylizer;
    this.options = parts.options;
    this.stopper = parts.stopper;
    this.input = parts.input;
    this.startError = parts.startError;
    this.outputs = parts.outputs;
    this.slot = parts.slot;
    this.statistics = parts.statistics;
    this.current = this.input.format ? 'live' : 'opening';
    this.label = describeLiveSource(this.options.source);
    const { quality, bitrate } = this.options;
    this.encoders = new ViewerEncoders(this.server, { quality, bitrate });
    this.pump = this.createPump();
    this.done = this.run();
    this.done.catch(() => {}); // observed by the caller through `done` or `stop()`
  }

  /** The viewer page's URL. */
  get url(): string {
    return this.server.url;
  }

  /** What the run is doing: see the module's comment. */
  get state(): LiveRunState {
    return this.current;
  }

  /** The stream's size and rate; all 0 until a source that failed at the start has opened. */
  get video(): VideoFormat {
    return this.input.format ?? UNKNOWN_VIDEO;
  }

  stats(): StatsSnapshot {
    return this.statistics.snapshot();
  }

  /** Frames read from the source, sent, and dropped, since the start. */
  counts(): { source: number; sent: number; drops: number } {
    const { totalSource: source, totalSent: sent, drops } = this.statistics;
    return { source, sent, drops };
  }

  /** What each publish target has been sent so far. */
  publishCounts(): PublishCounts[] {
    return this.outputs.publishCounts();
  }

  /** Stops the run and waits for it. */
  stop(): Promise<LiveSummary> {
    this.stopper.stop();
    return this.done;
  }

  private createPump(): LiveFramePump {
    const { outputs, input } = this;
    return new LiveFramePump({
      stylizer: this.stylizer,
      slot: this.slot,
      stats: this.statistics,
      styleFor: (captured) => this.styleFor(captured),
      wanted: () => this.server.viewerCount > 0 || outputs.active,
      timed: (ms, output) => input.timed(ms, output),
      deliver: async (output, tag) => {
        outputs.offer(output, tag.captureMs);
        await this.encoders.deliver(output, tag, input.format?.fps ?? 30);
      },
      sent: (frame) => this.options.onFrameSent?.(frame),
      signal: this.stopper.signal,
      fail: this.stopper.fail,
    });
  }

  /** A schedule's style by the frame's capture time since the stream started, else the viewers'. */
  private styleFor({ frame, captureMs }: Captured): StyleSettings | null {
    const { styleFor } = this.options;
    if (!styleFor) return this.controls.prepared;
    return styleFor({ ...frame, ptsMs: captureMs - (this.streamStartMs ?? captureMs) });
  }

  private async run(): Promise<LiveSummary> {
    let outcome: 'ended' | 'stopped' = 'stopped';
    try {
      outcome = await this.runSource();
    } catch (error) {
      this.stopper.fail(error);
    }
    this.current = 'stopping';
    this.stopper.stop();
    await this.pump.drain(DRAIN_MS);
    await this.encoders.close();
    const { failure: fatal } = this.stopper;
    const failure = fatal !== undefined && !isAbortError(fatal) ? fatal : undefined;
    this.setSource(
      failure
        ? { state: 'lost', message: errorText(failure) }
        : { state: 'ended', message: outcome === 'ended' ? `${this.label} ended` : 'stopped' },
    );
    try {
      await this.outputs.stop(failure !== undefined);
    } finally {
      await this.server.close();
      this.current = 'stopped';
    }
    if (failure) throw failure;
    return this.summary(outcome);
  }

  private runSource(): Promise<'ended' | 'stopped'> {
    const { options } = this;
    return runLiveSource({
      label: this.label,
      finite: !isEndlessSource(options.source) && !options.loop,
      budget: new RetryBudget(options.retry, { firstDelayMs: options.retryDelayMs }),
      stallMs: options.stallMs ?? SOURCE_STALL_MS,
      signal: this.stopper.signal,
      startError: this.startError,
      open: (attemptSignal) => this.openAttempt(attemptSignal),
      frame: (frame, captureMs) => this.sourceFrame(frame, captureMs),
      attemptEnded: () => this.pump.clear(),
      status: (status) => this.setSource(status),
    });
  }

  /** Each attempt: the first open of a source that failed at the start, or a reopen at a new size. */
  private async openAttempt(attemptSignal: AbortSignal): Promise<AsyncIterable<Frame>> {
    if (this.current === 'opening') {
      const format = await this.input.openLate(this.stopper.signal);
      this.server.setVideo(format);
      await this.outputs.startRecording(format);
      this.outputs.startPublishing(format, this.input.hasAudio);
    } else if (this.current === 'resizing') {
      this.server.setVideo(this.input.format!);
    }
    this.current = 'live';
    this.input.restartWindows(this.slot.dropped);
    const { outputs } = this;
    const clock = (this.audioClock = new SourceAudioClock());
    return decodeFrames({
      ...this.input.format!,
      inputArgs: this.input.decoderArgs(),
      label: this.label,
      signal: attemptSignal,
      // The source's audio goes to the media servers only.
      onAudio: outputs.publishingAudio
        ? (pcm) => {
            const captureMs = clock.audio(pcm.length / PCM_AUDIO.frameBytes, Date.now());
            outputs.offerAudio(pcm, captureMs);
          }
        : undefined,
    });
  }

  /** Each source frame: into the pump; `true` ends the attempt (`auto` chose a new size). */
  private sourceFrame(frame: Frame, captureMs: number): boolean {
    this.streamStartMs ??= captureMs;
    this.audioClock.frame(frame.ptsMs, captureMs);
    this.statistics.sourceFrame();
    this.pump.put({ frame: { ...frame, index: this.sequence++ }, captureMs });
    const next = this.input.judge(captureMs, this.slot.dropped, this.stylizer.concurrency);
    if (!next) return false;
    this.input.resize(next);
    this.current = 'resizing';
    return true;
  }

  private setSource(status: SourceStatus): void {
    this.server.setSource(status);
    this.options.onSource?.(status);
  }

  private summary(reason: 'ended' | 'stopped'): LiveSummary {
    const { totalSource, totalSent, drops } = this.statistics;
    const { recordedFrames, publishing } = this.outputs;
    return {
      reason,
      sourceFrames: totalSource,
      sentFrames: totalSent,
      drops,
      ...(recordedFrames !== undefined ? { recordedFrames } : {}),
      ...(publishing ? { published: this.publishCounts() } : {}),
    };
  }
}

/** Files the run reads (the source, the gallery's images, `reads`): the recording may be none. */
function filesRead(options: LiveOptions): (string | undefined)[] {
  const { gallery, source } = options;
  const galleryFiles = gallery.names().map((name) => gallery.get(name)?.path);
  const sourceFile = source.kind === 'file' ? source.path : undefined;
  return [sourceFile, ...galleryFiles, ...(options.reads ?? [])];
}
