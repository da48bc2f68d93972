/**
 * One connection to a media server: a muxer (ffmpeg) that copies H.264 from the connection's
 * encoder (`PublishEncoder`, one per frame size: a new working size starts another, the
 * connection stays) and the source's audio (`AudioFeed`, encoded to AAC here) into the stream,
 * and how far it got: frames written to the encoder, frames the muxer has sent (its `-progress`
 * report). Frames that the muxer does not send for `stallMs` while more are written mean the
 * connection has stalled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { pcmInputArgs } from '../decode/pcm-audio.js';
import { errorText } from '../errors.js';
import { spawnFfmpeg, type FfmpegProcess } from '../ffmpeg.js';
import type { Frame } from '../types.js';
import { AudioFeed } from './audio-feed.js';
import { ARRIVAL_TIMED_INPUT, PublishEncoder, type PublishVideo } from './publish-encoder.js';
import type { PublishTarget } from './publish-target.js';
import { certificateCheckArgs, certificateRefusal } from './server-certificate.js';

/** How long a closing connection waits for ffmpeg to send what it has and close the stream. */
const FINISH_MS = 3000;
/** The published audio: AAC, which FLV and MPEG-TS both carry and every player plays. */
const AUDIO_KBPS = 128;

/**
 * The muxer's ffmpeg arguments: H.264 on stdin, each frame stamped with the time it arrived, and
 * with `audio` PCM on fd 3 → the H.264 as it is, the audio as AAC → the target (whose certificate
 * is checked, against `caFile`'s CAs if given, over RTMPS); its progress on stdout.
 */
export function publishArgs(target: PublishTarget, caFile?: string, audio = false): string[] {
  return [
    // The stream is read as it comes: its first frame's SPS is all the probing needed.
    ...ARRIVAL_TIMED_INPUT,
    // With two inputs ffmpeg reads each on its own thread, stamping frames as they are read: a
    // short queue keeps that the moment they arrive, and a long one lets audio wait for video.
    ...(audio ? ['-thread_queue_size', '4'] : []),
    ...['-f', 'h264', '-i', 'pipe:0'],
    ...(audio ? ['-thread_queue_size', '1024', ...pcmInputArgs()] : []),
    ...(audio ? ['-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`] : []),
    ...['-c:v', 'copy', '-progress', 'pipe:1'],
    ...(target.muxer === 'flv' ? ['-flvflags', 'no_duration_filesize'] : []),
    ...certificateCheckArgs(target, caFile),
    ...['-f', target.muxer, target.url],
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

/** Each `frame=N` in ffmpeg's `-progress` report: the frames it has sent so far. */
function readProgress(report: Readable, frames: (count: number) => void): void {
  let partial = '';
  report.setEncoding('utf8');
  report.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^frame=(\d+)/.exec(line);
      if (match) frames(Number(match[1]));
    }
  });
}

export interface PublishConnectionOptions {
  target: PublishTarget;
  /** The stream's nominal rate, and the size its first encoder starts at, before any frame. */
  video: PublishVideo;
  /** The stream carries the source's audio. */
  audio: boolean;
  caFile?: string;
  /** The muxer has sent more frames. */
  onSent(): void;
  /** The connection ended by itself (ffmpeg exited or failed): why. */
  onEnd(why: string): void;
}

export class PublishConnection {
  /** Frames its encoders took. */
  framesWritten = 0;
  /** Frames the muxer has sent, by its last report. */
  framesSent = 0;
  /** When the next frame may go: one tick of the nominal rate after the last. */
  nextWriteMs = 0;
  liveSinceMs: number | undefined;
  /** The source's audio, when the stream carries it. */
  readonly audio: AudioFeed | undefined;
  private readonly muxer: FfmpegProcess;
  private encoder: PublishEncoder | undefined;
  /** Encoders of sizes before, finishing their last frames: closing waits for them. */
  private readonly finishing = new Set<Promise<void>>();
  /** Until the previous encoders' output has all gone to the muxer, in order. */
  private piping: Promise<void> = Promise.resolve();
  /** Why it ended by itself; undefined while it runs or once it is being closed. */
  private endedWhy: string | undefined;
  private closing = false;
  private resolveEnded: () => void = () => {};
  /** Settles when the connection ends by itself. */
  readonly whenEnded = new Promise<void>((resolve) => (this.resolveEnded = resolve));
  /** Since when a frame written has waited for the muxer to send one; undefined while none does. */
  private waitingSinceMs: number | undefined;

  constructor(private readonly options: PublishConnectionOptions) {
    const { target, caFile, audio } = options;
    this.muxer = spawnFfmpeg(publishArgs(target, caFile, audio), {
      task: `publishing to ${target.shown}`,
      stdin: true,
      stdout: true,
      fd3: audio,
    });
    this.audio = this.muxer.fd3 ? new AudioFeed(this.muxer.fd3) : undefined;
    readProgress(this.muxer.stdout!, (frames) => this.sent(frames));
    // Ready when the first frame comes, as the muxer is: the audio starts with that frame.
    this.encoderFor(options.video);
    this.muxer.done.then(
      () => this.end('the server closed the stream'),
      (error: unknown) => this.end(endReason(this.muxer.stderrTail(), target, errorText(error))),
    );
  }

  /** Why the connection ended by itself; undefined while it runs. */
  get ended(): string | undefined {
    return this.endedWhy;
  }

  /** Whether frames written have waited longer than `stallMs` for the muxer to send any. */
  stalled(stallMs: number, nowMs = performance.now()): boolean {
    return this.waitingSinceMs !== undefined && nowMs - this.waitingSinceMs > stallMs;
  }

  /**
   * One frame to the encoder for its size (a new size finishes the encoder before and starts
   * another), waiting out backpressure; false when it was not taken (the connection ended).
   */
  async write(frame: Frame): Promise<boolean> {
    const taken = await this.encoderFor(frame).write(frame);
    if (!taken) return false;
    this.framesWritten++;
    // The muxer holds a frame until the next one starts (its parser), and reports twice a second.
    if (this.framesWritten > this.framesSent + 1) this.waitingSinceMs ??= performance.now();
    return true;
  }

  /** Ends the stream cleanly if ffmpeg can (the encoder's last frames, then the muxer's). */
  async finish(): Promise<void> {
    this.closing = true;
    await this.encoder?.finish();
    await Promise.race([this.piping, sleep(FINISH_MS, undefined, { ref: false })]);
    this.muxer.stdin?.end();
    this.audio?.end();
    const finished = await Promise.race([
      this.muxer.done.then(
        () => true,
        () => true,
      ),
      sleep(FINISH_MS, false, { ref: false }),
    ]);
    if (!finished) await this.close();
  }

  /** Cuts the connection off: its encoder and muxer stopped, their exits awaited. */
  async close(): Promise<void> {
    this.closing = true;
    this.audio?.end();
    await Promise.all([this.encoder?.stop(), this.muxer.stop(), ...this.finishing]);
  }

  private encoderFor(size: { width: number; height: number }): PublishEncoder {
    if (this.encoder?.fits(size)) return this.encoder;
    if (this.encoder) {
      const finished = this.encoder.finish().finally(() => this.finishing.delete(finished));
      this.finishing.add(finished);
    }
    const { target, video } = this.options;
    const encoder = new PublishEncoder(
      { width: size.width, height: size.height, fps: video.fps },
      target.shown,
    );
    encoder.done.catch((error: unknown) => {
      if (this.encoder === encoder)
        this.end(endReason(encoder.stderrTail(), target, errorText(error)));
    });
    const muxerInput = this.muxer.stdin!;
    this.piping = this.piping.then(() => encoder.pipeTo(muxerInput));
    this.encoder = encoder;
    return encoder;
  }

  private sent(frames: number): void {
    if (frames <= this.framesSent) return;
    this.framesSent = frames;
    this.waitingSinceMs = undefined;
    this.options.onSent();
  }

  private end(why: string): void {
    if (this.closing || this.endedWhy !== undefined) return;
    this.endedWhy = why;
    this.resolveEnded();
    this.options.onEnd(why);
  }
}
