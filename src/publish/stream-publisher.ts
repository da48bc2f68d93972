/**
 * Pushes the stylized stream to one media server (`--publish URL`): H.264 from x264 tuned for low
 * latency, and the source's audio as AAC where it has some (`AudioFeed`), in FLV over RTMP(S) or
 * MPEG-TS over SRT, through the one ffmpeg wrapper. Each frame is published at the size it comes
 * in (the run's working size: none is scaled), by an encoder for that size whose H.264 the
 * connection's muxer copies into the stream (`PublishConnection`); a new `--size auto` size
 * starts a new encoder on the same connection, at a keyframe. Each frame is timestamped as it
 * reaches the muxer, so the stream's rate is the rate frames were stylized at and no frame is
 * encoded twice: repeats that filled a constant rate (as `--record` does) would cost the encoder
 * a full rate's work even when inference delivers less, and an encoder behind real time only
 * falls further behind.
 *
 * Publishing never slows the page: `offer` never blocks, and while ffmpeg (or the network behind
 * it) is slower than the stream, only the newest frame waits; older ones are dropped. A target
 * that is down, refuses the stream or drops it is reconnected with back-off (1 s, doubling, up to
 * 30 s) for as long as the run lasts; a connection that sends no frame for `stallMs` is dropped
 * and reconnected the same way. Over RTMPS the server's certificate is checked
 * (server-certificate.ts); one that is refused is retried the same way too (the server's
 * certificate may be renewed meanwhile), its message saying it was the certificate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { scaleFrame } from '../encode/scale-frame.js';
import { RetryBudget } from '../retry-budget.js';
import type { Frame } from '../types.js';
import { PublishConnection } from './publish-connection.js';
import { publishSize, type PublishVideo } from './publish-encoder.js';
import { redactTarget, type PublishTarget } from './publish-target.js';

export type PublishStatus =
  /** ffmpeg has sent a second of frames on this connection: the server is receiving. */
  | { target: string; state: 'live' }
  /** The connection failed or dropped; the next attempt is in `retryInMs`. */
  | { target: string; state: 'retrying'; attempt: number; retryInMs: number; message: string };

export interface StreamPublisherOptions {
  target: PublishTarget;
  /**
   * The stream's nominal rate, and the size it starts at: the first encoder starts at that size
   * before the first frame comes (ffmpeg takes a while to start, and the audio starts with the
   * first frame). Each frame is published at its own size (sides made even).
   */
  video: PublishVideo;
  /** The stream carries the source's audio, handed over by `offerAudio`. Default false. */
  audio?: boolean;
  /**
   * RTMPS: the PEM file of the CAs the server's certificate must come from (`loadPublishCa`);
   * the system's CAs when absent.
   */
  caFile?: string;
  /** Each change of the connection's state, for the log. */
  onStatus?(status: PublishStatus): void;
  /** Wait before the first reconnection; it doubles with each failed one. Default 1 s. */
  firstDelayMs?: number;
  /** A connection that sends no frame for this long is dropped and reconnected. Default 10 s. */
  stallMs?: number;
  /** Stops publishing (as `stop()` does) when it aborts: the run is ending. */
  signal?: AbortSignal;
}

/** What a publisher has sent. */
export interface PublishCounts {
  /** The target, as messages show it. */
  target: string;
  /** Stylized frames its encoders took. */
  frames: number;
  /** Frames replaced by a newer one before an encoder could take them. */
  dropped: number;
  /** Connections that went live. */
  connections: number;
}

/** A stylized frame waiting for ffmpeg, and when its source frame was captured. */
interface Offered {
  frame: Frame;
  captureMs: number;
}

export class StreamPublisher {
  private pending: Offered | undefined;
  /** The size of the last frame offered: where a new connection's encoder starts. */
  private lastSize: { width: number; height: number };
  private connection: PublishConnection | undefined;
  private wake: (() => void) | undefined;
  private readonly stopper = new AbortController();
  private readonly budget: RetryBudget;
  private readonly running: Promise<void>;
  private readonly tally: PublishCounts;

  constructor(private readonly options: StreamPublisherOptions) {
    this.lastSize = publishSize(options.video);
    this.tally = {
      target: options.target.shown,
      frames: 0,
      dropped: 0,
      connections: 0,
    };
    // Never given up on: a media server that comes back gets the stream again.
    this.budget = new RetryBudget(Number.MAX_SAFE_INTEGER, {
      firstDelayMs: options.firstDelayMs,
    });
    this.running = this.run();
    if (options.signal?.aborted) void this.stop();
    else options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  get target(): PublishTarget {
    return this.options.target;
  }

  /** Whether the stream carries the source's audio. */
  get carriesAudio(): boolean {
    return this.options.audio === true;
  }

  /** What has been published so far, over every connection. */
  counts(): PublishCounts {
    return { ...this.tally };
  }

  /**
   * Hands over a stylized frame whose source frame was captured at `captureMs`; never blocks. An
   * older frame still waiting is dropped.
   */
  offer(frame: Frame, captureMs = Date.now()): void {
    if (this.stopper.signal.aborted) return;
    if (this.pending) this.tally.dropped++;
    this.lastSize = publishSize(frame);
    this.pending = { frame, captureMs };
    this.wake?.();
  }

  /**
   * Hands over the source's audio (`PCM_AUDIO`, whole sample frames, the last captured at
   * `captureMs`); never blocks. Ignored unless the stream carries audio and a connection is up.
   */
  offerAudio(pcm: Uint8Array, captureMs = Date.now()): void {
    this.connection?.audio?.offer(pcm, captureMs);
  }

  /** Lets ffmpeg send what it has and close the stream (briefly), then stops it. */
  stop(): Promise<void> {
    this.stopper.abort();
    this.wake?.();
    return this.running;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopper;
    while (!signal.aborted) {
      const message = await this.publishOnce();
      if (signal.aborted) return;
      const delay = this.budget.take()!;
      this.options.onStatus?.({
        target: this.target.shown,
        state: 'retrying',
        attempt: this.budget.failures,
        retryInMs: delay,
        message: redactTarget(message, this.target),
      });
      await sleep(delay, undefined, { signal }).catch(() => {});
    }
  }

  /** One connection, from spawning ffmpeg until it fails or the publisher stops: why it ended. */
  private async publishOnce(): Promise<string> {
    const { target, video, audio = false, caFile } = this.options;
    const connection: PublishConnection = new PublishConnection({
      target,
      video: { ...this.lastSize, fps: video.fps },
      audio,
      caFile,
      onSent: () => this.noteProgress(connection),
      onEnd: () => this.wake?.(),
    });
    this.connection = connection;
    try {
      return await this.stream(connection);
    } finally {
      this.connection = undefined;
      await connection.close();
    }
  }

  /** Hands the connection frames until it ends or the publisher stops: why it ended. */
  private async stream(connection: PublishConnection): Promise<string> {
    // A write the encoder cannot take because the muxer has gone ends with the connection: one
    // promise for the connection, not a reaction on it per frame (those would pile up until it ends).
    const ended = connection.whenEnded.then(() => false as const);
    while (connection.ended === undefined && !this.stopper.signal.aborted) {
      const offered = this.pending;
      if (!offered) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      // Workers finish frames in bursts; one tick apart, each gets a tick of its own (ffmpeg
      // drops a frame stamped in the same tick as the one before). A newer one may come meanwhile.
      const untilTick = connection.nextWriteMs - performance.now();
      if (untilTick > 0) {
        await sleep(untilTick);
        continue;
      }
      this.pending = undefined;
      connection.nextWriteMs = performance.now() + 1000 / this.options.video.fps;
      // Published at its own size; only odd sides are cut to even ones.
      const frame = await scaleFrame(offered.frame, publishSize(offered.frame));
      const stalled = await this.write(connection, { ...offered, frame }, ended);
      if (stalled) return stalled;
    }
    if (connection.ended !== undefined) return connection.ended;
    // Stopping: end the stream cleanly if ffmpeg can, else cut it off.
    await connection.finish();
    return 'stopped';
  }

  /** Writes a frame; says why when the connection stalled. */
  private async write(
    connection: PublishConnection,
    offered: Offered,
    ended: Promise<false>,
  ): Promise<string | undefined> {
    const taken = await this.takeWithin(connection, offered.frame, ended);
    if (taken === 'stalled' || connection.stalled(this.stallMs)) {
      return `the connection took no frame for ${Math.round(this.stallMs / 1000)} s`;
    }
    if (!taken) return undefined; // ffmpeg exited (its status says why), or stopping
    this.tally.frames++;
    connection.audio?.frameWritten(offered.captureMs);
    return undefined;
  }

  private get stallMs(): number {
    return this.options.stallMs ?? 10_000;
  }

  /**
   * One frame to the connection's encoder, waiting out backpressure for at most `stallMs`, or
   * until `ended` (the connection's end) settles.
   */
  private async takeWithin(
    connection: PublishConnection,
    frame: Frame,
    ended: Promise<false>,
  ): Promise<boolean | 'stalled'> {
    const { signal } = this.stopper;
    let timer: NodeJS.Timeout | undefined;
    let onStop = (): void => {};
    // A stalled write ends at the limit, or at once when the publisher stops or the connection ends.
    const waitEnds = new Promise<'stalled' | false>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), this.stallMs);
      onStop = () => resolve(false);
      signal.addEventListener('abort', onStop, { once: true });
    });
    const taken = await Promise.race([connection.write(frame), waitEnds, ended]);
    clearTimeout(timer);
    signal.removeEventListener('abort', onStop);
    return taken;
  }

  /** After a second of frames sent the connection counts as live; a healthy one earns retries back. */
  private noteProgress(connection: PublishConnection): void {
    const now = Date.now();
    if (connection.liveSinceMs !== undefined) {
      this.budget.streaming(connection.liveSinceMs, now);
      return;
    }
    if (connection.framesSent < Math.max(5, this.options.video.fps)) return;
    connection.liveSinceMs = now;
    this.tally.connections++;
    this.options.onStatus?.({ target: this.target.shown, state: 'live' });
  }
}
