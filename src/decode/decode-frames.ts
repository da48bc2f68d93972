import { fpsArgument, spawnFfmpeg } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import type { Frame } from '../types.js';
import { RawVideoToFrames } from './raw-video-to-frames.js';
import type { Size } from './working-size.js';

/** Frames `start` to `start + count - 1` of a constant-rate file, counted at the output rate. */
export interface FrameRange {
  start: number;
  count: number;
}

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
  /**
   * Only these frames, with their absolute indices and times. The input (`-ss` goes before
   * `inputArgs`) is seeked to a quarter frame before the range: ffmpeg decodes from the keyframe
   * before and discards up to the range's first frame, so the frames are exactly the ones a whole
   * decode gives.
   */
  range?: FrameRange;
}

/** Input and output arguments that cut a decode to `range` (none without one). */
function rangeArgs(range: FrameRange | undefined, fps: number): { seek: string[]; take: string[] } {
  if (!range) return { seek: [], take: [] };
  const seconds = Math.max(0, (range.start - 0.25) / fps);
  return { seek: ['-ss', seconds.toFixed(6)], take: ['-frames:v', String(range.count)] };
}

/**
 * Decodes any ffmpeg input to RGB24 frames at a fixed size and rate. The stream is pulled: when
 * the consumer stops reading, the pipe fills and ffmpeg pauses (backpressure).
 */
export async function* decodeFrames(options: DecodeOptions): AsyncGenerator<Frame> {
  const { width, height, fps } = options;
  let decoded = 0;
  const { seek, take } = rangeArgs(options.range, fps);
  const args = [
    ...(options.strict ? ['-xerror'] : []),
    ...seek,
    ...options.inputArgs,
    '-map',
    '0:v:0',
    '-vf',
    `scale=${width}:${height}:flags=bicubic`,
    '-vsync',
    'cfr',
    '-r',
    fpsArgument(fps),
    ...take,
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
  const splitter = new RawVideoToFrames({
    width,
    height,
    ptsMs: (index) => (index * 1000) / fps,
    firstIndex: options.range?.start,
  });
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
