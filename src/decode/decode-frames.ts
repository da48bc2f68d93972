import { fpsArgument, spawnFfmpeg } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import type { Frame } from '../types.js';
import { RawVideoToFrames } from './raw-video-to-frames.js';
import type { Size } from './working-size.js';

export interface DecodeOptions extends Size {
  /** Arguments naming the input, e.g. `['-i', 'in.mp4']` or a live device's `-f v4l2 -i …`. */
  inputArgs: string[];
  /** Output frame rate: a variable-rate source is resampled to it (duplicates or drops frames). */
  fps: number;
  /** What the input is, for messages. */
  label: string;
  signal?: AbortSignal;
  /** Stop with an error at the first decoding error instead of concealing it. */
  strict?: boolean;
}

/**
 * Decodes any ffmpeg input to RGB24 frames at a fixed size and rate. The stream is pulled: when
 * the consumer stops reading, the pipe fills and ffmpeg pauses (backpressure).
 */
export async function* decodeFrames(options: DecodeOptions): AsyncGenerator<Frame> {
  const { width, height, fps } = options;
  let decoded = 0;
  const args = [
    ...(options.strict ? ['-xerror'] : []),
    ...options.inputArgs,
    '-map',
    '0:v:0',
    '-vf',
    `scale=${width}:${height}:flags=bicubic`,
    '-vsync',
    'cfr',
    '-r',
    fpsArgument(fps),
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
  const ffmpeg = spawnFfmpeg(args, {
    task: `decoding ${options.label}`,
    signal: options.signal,
    stdout: true,
    progress: () => `frame ${decoded}`,
  });
  const splitter = new RawVideoToFrames({ width, height, ptsMs: (index) => (index * 1000) / fps });
  ffmpeg.stdout!.pipe(splitter);
  try {
    for await (const frame of splitter as AsyncIterable<Frame>) {
      decoded += 1;
      yield frame;
    }
    await ffmpeg.done;
    if (splitter.leftoverBytes > 0) {
      throw new StylecastError(
        'INPUT_CORRUPT',
        `${options.label} ended in the middle of frame ${decoded}`,
      );
    }
  } finally {
    await ffmpeg.stop();
  }
}
