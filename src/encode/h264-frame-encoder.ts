/**
 * Frames to H.264 for live viewers: one ffmpeg (libx264) per working size, fed raw RGB frames on
 * stdin, writing FLV on stdout (`flv-video-tags.ts` splits it). Tuned for latency: `ultrafast`
 * and `zerolatency` (no lookahead, no B-frames, each frame out as soon as it is encoded: about
 * 12 ms at 720p on one thread here, against 32 for `veryfast`), one thread (the inference workers
 * have the other cores), constrained baseline (every decoder takes it), a keyframe every
 * `keyframeInterval` frames for viewers that join or fall behind, and a bit rate capped by
 * `bitrate` over a one-second buffer. Encoding runs in ffmpeg's process, off the event loop.
 */
import {
  fpsArgument,
  rawRgbInput,
  spawnFfmpeg,
  writeWithBackpressure,
  type FfmpegProcess,
} from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import type { Frame } from '../types.js';
import type { EncodedFrame, FrameEncoder } from './frame-encoder.js';
import { FlvVideoTags } from './flv-video-tags.js';

export interface H264EncoderOptions {
  width: number;
  height: number;
  /** The rate frames nominally come at (rate control spreads the bit rate over it). */
  fps: number;
  /** Most bits per second, over any second. */
  bitrate: number;
  /** Frames from one keyframe to the next. */
  keyframeInterval: number;
}

interface Waiting {
  resolve(frame: EncodedFrame): void;
  reject(error: unknown): void;
}

export class H264FrameEncoder implements FrameEncoder {
  private readonly ffmpeg: FfmpegProcess;
  private readonly tags = new FlvVideoTags();
  /** Frames written and not yet out, oldest first: ffmpeg keeps their order. */
  private readonly waiting: Waiting[] = [];
  private config: Buffer | undefined;
  private failure: unknown;
  private written = 0;

  constructor(private readonly options: H264EncoderOptions) {
    const { width, height, fps, bitrate, keyframeInterval } = options;
    const kbps = Math.round(bitrate / 1000);
    this.ffmpeg = spawnFfmpeg(
      [
        ...rawRgbInput(width, height),
        ...['-r', fpsArgument(fps), '-i', 'pipe:0'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-threads', '1'],
        ...['-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0'],
        ...['-g', String(keyframeInterval), '-keyint_min', String(keyframeInterval)],
        ...['-crf', '23', '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`],
        // One output frame per input frame, written out at once.
        ...['-vsync', '0', '-flush_packets', '1'],
        ...['-flvflags', 'no_sequence_end+no_metadata', '-f', 'flv', 'pipe:1'],
      ],
      {
        task: `encoding H.264 for viewers (${width}x${height})`,
        stdin: true,
        stdout: true,
        progress: () => `frame ${this.written}`,
      },
    );
    this.ffmpeg.stdout!.on('data', (chunk: Buffer) => this.onOutput(chunk));
    this.ffmpeg.done.then(
      () => this.failAll(new StylecastError('FFMPEG_FAILED', 'The H.264 encoder stopped')),
      (error: unknown) => this.failAll(error),
    );
  }

  /** The encoder's ffmpeg process, for measuring what it costs (bench:live). */
  get processId(): number | undefined {
    return this.ffmpeg.child.pid;
  }

  encode(frame: Frame): Promise<EncodedFrame> {
    const { width, height } = this.options;
    if (frame.width !== width || frame.height !== height) {
      return Promise.reject(
        new RangeError(
          `Expected a ${width}x${height} frame for this encoder, got ${frame.width}x${frame.height}`,
        ),
      );
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const encoded = new Promise<EncodedFrame>((resolve, reject) =>
      this.waiting.push({ resolve, reject }),
    );
    this.written++;
    // The write is queued in order at once; its backpressure is the encoder's own pace.
    void writeWithBackpressure(this.ffmpeg.stdin!, frame.data);
    return encoded;
  }

  async close(): Promise<void> {
    this.ffmpeg.stdin!.end();
    await this.ffmpeg.done.catch(() => {});
  }

  private onOutput(chunk: Buffer): void {
    let tags;
    try {
      tags = this.tags.push(chunk);
    } catch (error) {
      this.failAll(error);
      void this.ffmpeg.stop();
      return;
    }
    for (const tag of tags) {
      if (tag.kind === 'config') {
        this.config = tag.data;
        continue;
      }
      const { keyframe, data } = tag;
      this.waiting
        .shift()
        ?.resolve({ data, keyframe, ...(keyframe ? { config: this.config } : {}) });
    }
  }

  private failAll(error: unknown): void {
    this.failure ??= error;
    for (const waiting of this.waiting.splice(0)) waiting.reject(this.failure);
  }
}
