/**
 * Pushes the stylized stream to one media server (`--publish URL`): H.264 from x264 tuned for low
 * latency, and the source's audio as AAC where it has some (`AudioFeed`), in FLV over RTMP(S) or
 * MPEG-TS over SRT, through the one ffmpeg wrapper. Each frame is timestamped as ffmpeg receives
 * it, so the stream's rate is the rate frames were stylized at and no frame is encoded twice:
 * repeats that filled a constant rate (as `--record` does) would cost the encoder a full rate's
 * work even when inference delivers less, and an encoder behind real time only falls further
 * behind.
 *
 * Publishing never slows the page: `offer` never blocks, and while ffmpeg (or the network behind
 * it) is slower than the stream, only the newest frame waits; older ones are dropped. A target
 * that is down, refuses the stream or drops it is reconnected with back-off (1 s, doubling, up to
 * 30 s) for as long as the run lasts; a connection that takes no frame for `stallMs` is dropped
 * and reconnected the same way. Over RTMPS the server's certificate is checked
 * (server-certificate.ts); one that is refused is retried the same way too (the server's
 * certificate may be renewed meanwhile), its message saying it was the certificate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pcmInputArgs } from '../decode/pcm-audio.js';
import { scaleFrame } from '../encode/scale-frame.js';
import {
  fpsArgument,
  rawRgbInput,
  spawnFfmpeg,
  writeWithBackpressure,
  type FfmpegProcess,
} from '../ffmpeg.js';
import { errorText } from '../errors.js';
import { RetryBudget } from '../retry-budget.js';
import type { Frame } from '../types.js';
import { AudioFeed } from './audio-feed.js';
import { redactTarget, type PublishTarget } from './publish-target.js';
import { certificateCheckArgs, certificateRefusal } from './server-certificate.js';

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
/** How long a stopping publisher waits for ffmpeg to send what it has and close the stream. */
const FINISH_MS = 3000;
/** The published audio: AAC, which FLV and MPEG-TS both carry and every player plays. */
const AUDIO_KBPS = 128;

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

/**
 * ffmpeg's arguments: raw RGB frames on stdin, each stamped with the time ffmpeg read it → H.264
 * at a capped bitrate, a keyframe every two seconds of stream time, and with `audio` PCM on fd 3
 * → AAC → the target (whose certificate is checked, against `caFile`'s CAs if given, over RTMPS).
 */
export function publishArgs(
  target: PublishTarget,
  video: PublishVideo,
  caFile?: string,
  audio = false,
): string[] {
  const { width, height, fps } = video;
  const kbps = publishBitrateKbps(video);
  return [
    // The frames' format is given: reading one is all the probing needed. (ffmpeg connects to
    // the server only after probing, and each frame it read before counts as taken.)
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-use_wallclock_as_timestamps',
    '1',
    ...rawRgbInput(width, height),
    // Arrival times kept to the ms here; the output below puts them on the nominal rate's ticks.
    '-framerate',
    '1000',
    // With two inputs ffmpeg reads each on its own thread, stamping frames as they are read: a
    // short queue keeps that the moment they arrive, and a long one lets audio wait for x264.
    ...(audio ? ['-thread_queue_size', '4'] : []),
    '-i',
    'pipe:0',
    ...(audio ? ['-thread_queue_size', '1024', ...pcmInputArgs()] : []),
    ...(audio ? ['-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`] : []),
    '-c:v',
    'libx264',
    '-preset',
    PUBLISH_PRESET,
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-force_key_frames',
    `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`,
    '-g',
    String(Math.max(1, Math.round(fps * KEYFRAME_SECONDS))),
    '-b:v',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps * 2}k`,
    // The stream's nominal rate (what players are told): each frame on its nearest free tick, none
    // repeated; one arriving well within the tick of the one before is dropped.
    '-r',
    fpsArgument(fps),
    '-vsync',
    'vfr',
    ...(target.muxer === 'flv' ? ['-flvflags', 'no_duration_filesize'] : []),
    ...certificateCheckArgs(target, caFile),
    '-f',
    target.muxer,
    target.url,
  ];
}

/**
 * ffmpeg's last word on why a connection ended, without its log prefixes and the URL it names
 * (`Connection refused`, `Broken pipe`); a refused certificate said as such (ffmpeg's last word
 * on it is `Input/output error`); the wrapper's message when it said nothing.
 */
export function endReason(stderrTail: string, target: PublishTarget, fallback: string): string {
  const refusal = certificateRefusal(stderrTail);
  if (refusal) return refusal;
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
  /** Frames replaced by a newer one before ffmpeg could take them. */
  dropped: number;
  /** Connections that went live. */
  connections: number;
}

/** One connection's ffmpeg, its audio, and how far it got. */
class PublishConnection {
  framesTaken = 0;
  /** When the next frame may go: one tick of the nominal rate after the last. */
  nextWriteMs = 0;
  liveSinceMs: number | undefined;
  /** The source's audio, when the stream carries it. */
  readonly audio: AudioFeed | undefined;

  constructor(readonly ffmpeg: FfmpegProcess) {
    this.audio = ffmpeg.fd3 ? new AudioFeed(ffmpeg.fd3) : undefined;
  }
}

/** A stylized frame waiting for ffmpeg, and when its source frame was captured. */
interface Offered {
  frame: Frame;
  captureMs: number;
}

export class StreamPublisher {
  private pending: Offered | undefined;
  private connection: PublishConnection | undefined;
  private wake: (() => void) | undefined;
  private readonly stopper = new AbortController();
  private readonly budget: RetryBudget;
  private readonly running: Promise<void>;
  private readonly tally: PublishCounts;

  constructor(private readonly options: StreamPublisherOptions) {
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
    const { video, audio = false } = this.options;
    const ffmpeg = spawnFfmpeg(publishArgs(this.target, video, this.options.caFile, audio), {
      task: `publishing to ${this.target.shown}`,
      stdin: true,
      fd3: audio,
    });
    const connection = new PublishConnection(ffmpeg);
    this.connection = connection;
    try {
      return await this.stream(connection);
    } finally {
      this.connection = undefined;
      connection.audio?.end();
    }
  }

  /** Hands the connection frames until it ends or the publisher stops: why it ended. */
  private async stream(connection: PublishConnection): Promise<string> {
    const { video } = this.options;
    const { ffmpeg } = connection;
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
      // Workers finish frames in bursts; one tick apart, each gets a tick of its own (ffmpeg
      // drops a frame stamped in the same tick as the one before). A newer one may come meanwhile.
      const untilTick = connection.nextWriteMs - performance.now();
      if (untilTick > 0) {
        await sleep(untilTick);
        continue;
      }
      this.pending = undefined;
      connection.nextWriteMs = performance.now() + 1000 / video.fps;
      const scaled = { ...offered, frame: await scaleFrame(offered.frame, video) };
      const stalled = await this.write(connection, scaled);
      if (stalled) {
        await ffmpeg.stop();
        return stalled;
      }
    }
    if (ended !== undefined) return ended;
    // Stopping: end the stream cleanly if ffmpeg can, else cut it off.
    ffmpeg.stdin?.end();
    connection.audio?.end();
    const finished = await Promise.race([
      exited.then(() => true),
      sleep(FINISH_MS, false, { ref: false }),
    ]);
    if (!finished) await ffmpeg.stop();
    return 'stopped';
  }

  /** Writes a frame; says why when the connection stalled. */
  private async write(
    connection: PublishConnection,
    offered: Offered,
  ): Promise<string | undefined> {
    const taken = await this.takeWithin(connection, offered.frame);
    if (taken === 'stalled') {
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
