/**
 * A publish connection's H.264 encoder at one size: x264 in an ffmpeg of its own, fed raw RGB
 * frames, writing H.264 (Annex B: SPS and PPS before each keyframe) that the connection's muxer
 * copies into the stream (`-c:v copy`). Frames are encoded at the size they come in, so none is
 * scaled: under `--size auto` a new working size ends this encoder and starts another, whose
 * first frame is a keyframe that says the new size, while the connection and its audio go on.
 */
import type { Writable } from 'node:stream';
import {
  fpsArgument,
  rawRgbInput,
  spawnFfmpeg,
  writeWithBackpressure,
  type FfmpegProcess,
} from '../ffmpeg.js';
import type { Frame } from '../types.js';

export interface PublishVideo {
  width: number;
  height: number;
  fps: number;
}

/**
 * x264's speed for publishing, beside live inference: the cheapest preset per frame measured here
 * (at 720p about 9 ms of one core against ultrafast's 11 and veryfast's 14, RGB conversion
 * included; at 768×432, 3.5 ms against 3.9 and 5.1).
 */
export const PUBLISH_PRESET = 'superfast';
/** A keyframe every two seconds: what streaming platforms ask for; a player joins within it. */
const KEYFRAME_SECONDS = 2;
/** How long a finishing encoder may take to write out its last frame. */
const FINISH_MS = 3000;

/**
 * Input options for a pipe read as it comes, each frame stamped with the time it arrived: its format
 * is given (the first frame is all the probing needed), and live timing is what publishing keeps.
 */
export const ARRIVAL_TIMED_INPUT = [
  '-probesize',
  '32',
  '-analyzeduration',
  '0',
  '-use_wallclock_as_timestamps',
  '1',
];

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
 * The encoder's ffmpeg arguments: raw RGB frames on stdin, each stamped with the time ffmpeg read
 * it → H.264 at a capped bitrate, a keyframe every two seconds of stream time → stdout, each frame
 * written as soon as it is encoded.
 */
export function publishEncoderArgs(video: PublishVideo): string[] {
  const { width, height, fps } = video;
  const kbps = publishBitrateKbps(video);
  return [
    ...ARRIVAL_TIMED_INPUT,
    ...rawRgbInput(width, height),
    // Arrival times kept to the ms here; the output below puts them on the nominal rate's ticks.
    ...['-framerate', '1000', '-i', 'pipe:0'],
    ...[
      '-c:v',
      'libx264',
      '-preset',
      PUBLISH_PRESET,
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
    ],
    ...['-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`],
    ...['-g', String(Math.max(1, Math.round(fps * KEYFRAME_SECONDS)))],
    ...['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`],
    // The stream's nominal rate: each frame on its nearest free tick, none repeated; one arriving
    // well within the tick of the one before is dropped.
    ...['-r', fpsArgument(fps), '-vsync', 'vfr'],
    ...['-flush_packets', '1', '-f', 'h264', 'pipe:1'],
  ];
}

export class PublishEncoder {
  private readonly ffmpeg: FfmpegProcess;
  private finishing = false;

  constructor(
    readonly video: PublishVideo,
    task: string,
  ) {
    this.ffmpeg = spawnFfmpeg(publishEncoderArgs(video), {
      task: `encoding ${video.width}x${video.height} for ${task}`,
      stdin: true,
      stdout: true,
    });
  }

  /** Whether it encodes frames of this size. */
  fits(size: { width: number; height: number }): boolean {
    return size.width === this.video.width && size.height === this.video.height;
  }

  /** Settles when its ffmpeg exits: rejects when it failed, not when it was finished or stopped. */
  get done(): Promise<void> {
    return this.ffmpeg.done;
  }

  /** The last lines ffmpeg wrote to stderr. */
  stderrTail(): string {
    return this.ffmpeg.stderrTail();
  }

  /** One frame, waiting out backpressure; false once the encoder has ended. */
  write(frame: Frame): Promise<boolean> {
    if (this.finishing) return Promise.resolve(false);
    return writeWithBackpressure(this.ffmpeg.stdin!, frame.data);
  }

  /** Its H.264 into `sink` (left open for the next encoder); resolves when its output ends. */
  pipeTo(sink: Writable): Promise<void> {
    const output = this.ffmpeg.stdout!;
    return new Promise((resolve) => {
      if (output.closed) return resolve();
      output.once('close', resolve);
      output.pipe(sink, { end: false });
    });
  }

  /** Encodes what it was given, then exits (its output ends); stopped if it takes too long. */
  async finish(): Promise<void> {
    this.finishing = true;
    this.ffmpeg.stdin?.end();
    const timer = setTimeout(() => void this.ffmpeg.stop(), FINISH_MS);
    await this.ffmpeg.done.catch(() => {});
    clearTimeout(timer);
  }

  stop(): Promise<void> {
    this.finishing = true;
    return this.ffmpeg.stop();
  }
}
