/**
 * Pushes the stylized stream to one media server (`--publish URL`): H.264 from x264 tuned for low
 * latency, in FLV over RTMP(S) or MPEG-TS over SRT, through the one ffmpeg wrapper. The stream
 * keeps real time the way `--record` does: each frame is placed by its capture time on a
 * constant-rate timeline, and a slot no frame reached repeats the frame before it.
 *
 * Publishing never slows the page: `offer` never blocks, and while ffmpeg (or the network behind
 * it) is slower than the stream, only the newest frame waits; older ones are dropped. A target
 * that is down, refuses the stream or drops it is reconnected with back-off (1 s, doubling, up to
 * 30 s) for as long as the run lasts; a connection that takes no frame for `stallMs` is dropped
 * and reconnected the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { scaleFrame } from '../encode/scale-frame.js';
import { fpsArgument, spawnFfmpeg, writeWithBackpressure, type FfmpegProcess } from '../ffmpeg.js';
import { timelineSlot } from '../pipeline/live-recorder.js';
import { errorText } from '../pipeline/live-source-loop.js';
import { RetryBudget } from '../pipeline/retry-budget.js';
import type { Frame } from '../types.js';
import { redactTarget, type PublishTarget } from './publish-target.js';

export interface PublishVideo {
  width: number;
  height: number;
  fps: number;
}

export type PublishStatus =
  /** ffmpeg has taken a second of frames on this connection: the server is receiving. */
  | { target: string; state: 'live' }
  /** The connection failed or dropped; the next attempt is in `retryInMs`. */
  | { target: string; state: 'retrying'; attempt: number; retryInMs: number; message: string };

export interface StreamPublisherOptions {
  target: PublishTarget;
  /** The stream's size and rate; frames of another size are scaled to it. */
  video: PublishVideo;
  /** Each change of the connection's state, for the log. */
  onStatus?(status: PublishStatus): void;
  /** Wait before the first reconnection; it doubles with each failed one. Default 1 s. */
  firstDelayMs?: number;
  /** A connection that takes no frame for this long is dropped and reconnected. Default 10 s. */
  stallMs?: number;
  /** Stops publishing (as `stop()` does) when it aborts: the run is ending. */
  signal?: AbortSignal;
}

/**
 * x264's speed for publishing, beside live inference: the cheapest preset per 720p frame measured
 * here (about 9 ms of one core against ultrafast's 11 and veryfast's 14, RGB conversion included).
 */
export const PUBLISH_PRESET = 'superfast';
/** A keyframe every two seconds: what streaming platforms ask for; a player joins within it. */
const KEYFRAME_SECONDS = 2;
/** A gap longer than this (the source was lost) is not filled: the stream jumps instead. */
const MAX_REPEATS = 60;
/** How long a stopping publisher waits for ffmpeg to send what it has and close the stream. */
const FINISH_MS = 3000;

/** The published size: H.264 in 4:2:0, which most players and servers take, needs even sides. */
export function publishSize(size: { width: number; height: number }): {
  width: number;
  height: number;
} {
  const even = (side: number): number => Math.max(2, side - (side % 2));
  return { width: even(size.width), height: even(size.height) };
}

/** About 0.1 bit per pixel: 2.8 Mbit/s at 1280×720 and 30 fps; never under 300 kbit/s. */
export function publishBitrateKbps({ width, height, fps }: PublishVideo): number {
  return Math.max(300, Math.round((width * height * fps * 0.1) / 1000));
}

/** ffmpeg's arguments: raw RGB frames on stdin → H.264, capped bitrate → the target. */
export function publishArgs(target: PublishTarget, video: PublishVideo): string[] {
  const { width, height, fps } = video;
  const kbps = publishBitrateKbps(video);
  return [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    fpsArgument(fps),
    '-i',
    'pipe:0',
    '-c:v',
    'libx264',
    '-preset',
    PUBLISH_PRESET,
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(Math.max(1, Math.round(fps * KEYFRAME_SECONDS))),
    '-b:v',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps * 2}k`,
    ...(target.muxer === 'flv' ? ['-flvflags', 'no_duration_filesize'] : []),
    '-f',
    target.muxer,
    target.url,
  ];
}

/**
 * ffmpeg's last word on why a connection ended, without its log prefixes and the URL it names
 * (`Connection refused`, `Broken pipe`); the wrapper's message when it said nothing.
 */
export function endReason(stderrTail: string, target: PublishTarget, fallback: string): string {
  const last = stderrTail
    .split('\n')
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, '').trim())
    .filter((line) => line && !/^Conversion failed!?$/.test(line))
    .at(-1);
  if (!last) return fallback;
  return last.startsWith(`${target.url}: `) ? last.slice(target.url.length + 2) : last;
}

/** What a publisher has sent. */
export interface PublishCounts {
  /** The target, as messages show it. */
  target: string;
  /** Stylized frames ffmpeg took. */
  frames: number;
  /** Repeats of the frame before, written to keep the stream's rate. */
  repeats: number;
  /** Frames replaced by a newer one before ffmpeg could take them. */
  dropped: number;
  /** Connections that went live. */
  connections: number;
}

/** One frame waiting to be published, and when its source frame was captured. */
interface Offered {
  frame: Frame;
  captureMs: number;
}

/** Where a connection's stream is: its timeline and the last frame written. */
class PublishConnection {
  startMs: number | undefined;
  nextSlot = 0;
  previous: Frame | undefined;
  framesTaken = 0;
  liveSinceMs: number | undefined;

  constructor(readonly ffmpeg: FfmpegProcess) {}
}

export class StreamPublisher {
  private pending: Offered | undefined;
  private wake: (() => void) | undefined;
  private readonly stopper = new AbortController();
  private readonly budget: RetryBudget;
  private readonly running: Promise<void>;
  private readonly tally: PublishCounts;

  constructor(private readonly options: StreamPublisherOptions) {
    this.tally = {
      target: options.target.shown,
      frames: 0,
      repeats: 0,
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

  /** What has been published so far, over every connection. */
  counts(): PublishCounts {
    return { ...this.tally };
  }

  /** Hands over a stylized frame; never blocks. An older frame still waiting is dropped. */
  offer(frame: Frame, captureMs: number): void {
    if (this.stopper.signal.aborted) return;
    if (this.pending) this.tally.dropped++;
    this.pending = { frame, captureMs };
    this.wake?.();
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
    const { video } = this.options;
    const ffmpeg = spawnFfmpeg(publishArgs(this.target, video), {
      task: `publishing to ${this.target.shown}`,
      stdin: true,
    });
    const connection = new PublishConnection(ffmpeg);
    const exited = ffmpeg.done.then(
      () => 'the server closed the stream',
      (error: unknown) => endReason(ffmpeg.stderrTail(), this.target, errorText(error)),
    );
    let ended: string | undefined;
    void exited.then((why) => {
      ended = why;
      this.wake?.();
    });
    while (ended === undefined && !this.stopper.signal.aborted) {
      const offered = this.pending;
      if (!offered) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.pending = undefined;
      const stalled = await this.write(connection, offered);
      if (stalled) {
        await ffmpeg.stop();
        return stalled;
      }
    }
    if (ended !== undefined) return ended;
    // Stopping: end the stream cleanly if ffmpeg can, else cut it off.
    ffmpeg.stdin?.end();
    const finished = await Promise.race([
      exited.then(() => true),
      sleep(FINISH_MS, false, { ref: false }),
    ]);
    if (!finished) await ffmpeg.stop();
    return 'stopped';
  }

  /** Writes a frame, and the repeats that fill its gap; says why when the connection stalled. */
  private async write(
    connection: PublishConnection,
    offered: Offered,
  ): Promise<string | undefined> {
    const { video } = this.options;
    connection.startMs ??= offered.captureMs;
    const slot = timelineSlot(offered.captureMs, connection.startMs, video.fps);
    if (slot < connection.nextSlot) return undefined; // a late frame: its place is taken
    const repeats = connection.previous ? Math.min(slot - connection.nextSlot, MAX_REPEATS) : 0;
    const frame = await scaleFrame(offered.frame, video);
    for (let i = 0; i <= repeats; i++) {
      const repeat = i < repeats;
      const taken = await this.takeWithin(connection, repeat ? connection.previous! : frame);
      if (taken === 'stalled') {
        return `the connection took no frame for ${Math.round(this.stallMs / 1000)} s`;
      }
      if (!taken) return undefined; // ffmpeg exited (its status says why), or stopping
      if (repeat) this.tally.repeats++;
      else this.tally.frames++;
    }
    connection.previous = frame;
    connection.nextSlot = slot + 1;
    return undefined;
  }

  private get stallMs(): number {
    return this.options.stallMs ?? 10_000;
  }

  /** One frame to ffmpeg's stdin, waiting out backpressure for at most `stallMs`. */
  private async takeWithin(
    connection: PublishConnection,
    frame: Frame,
  ): Promise<boolean | 'stalled'> {
    const { signal } = this.stopper;
    let timer: NodeJS.Timeout | undefined;
    let onStop = (): void => {};
    // A stalled write ends at the limit, or at once when the publisher stops.
    const waitEnds = new Promise<'stalled' | false>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), this.stallMs);
      onStop = () => resolve(false);
      signal.addEventListener('abort', onStop, { once: true });
    });
    const taken = await Promise.race([
      writeWithBackpressure(connection.ffmpeg.stdin!, frame.data),
      waitEnds,
    ]);
    clearTimeout(timer);
    signal.removeEventListener('abort', onStop);
    if (taken !== true) return taken;
    connection.framesTaken++;
    this.noteProgress(connection);
    return true;
  }

  /** After a second of frames the connection counts as live; a healthy one earns retries back. */
  private noteProgress(connection: PublishConnection): void {
    const now = Date.now();
    if (connection.liveSinceMs !== undefined) {
      this.budget.streaming(connection.liveSinceMs, now);
      return;
    }
    // ffmpeg reads a frame or two before it connects; a second's worth means the server takes them.
    if (connection.framesTaken < Math.max(5, this.options.video.fps)) return;
    connection.liveSinceMs = now;
    this.tally.connections++;
    this.options.onStatus?.({ target: this.target.shown, state: 'live' });
  }
}
