import { fpsArgument, spawnFfmpeg } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import type { Frame } from '../types.js';
import { PcmFrameAligner, pcmOutputArgs } from './pcm-audio.js';
import { RawVideoToFrames } from './raw-video-to-frames.js';
import type { Size } from './working-size.js';

/** Frames `start` to `start + count - 1` of a file, counted at the output rate. */
export interface FrameRange {
  start: number;
  count: number;
  /** The range runs to the end of the file: `count` is only an estimate (a probe's). */
  toEnd?: boolean;
  /**
   * Where to seek, s from the file's start: just past the keyframe the range starts after (see
   * `planChunks`), in a file whose seeks land exactly on keyframes. Absent: a margin before it.
   */
  seekS?: number;
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
   * A file: pick each frame by its time on the file's own timeline (ffmpeg's `fps` filter, every
   * slot `k / fps` from the file's start showing the source frame of that moment), so any range
   * of it decodes exactly the frames a whole decode gives, variable-rate or not. Not for live
   * sources: the filter holds one frame back to see when the next one comes.
   */
  exactFrames?: boolean;
  /**
   * Only these frames (implies `exactFrames`), with their absolute indices and times. The input
   * (`-ss` goes before `inputArgs`) is seeked a margin before the range, every frame from the
   * keyframe there is decoded on the file's timeline, and the range is cut by frame time.
   */
  range?: FrameRange;
  /**
   * A live source's audio as it comes (`PCM_AUDIO`'s format, whole sample frames), beside the
   * frames. The input must have an audio stream. Always read, so that it never holds ffmpeg up.
   */
  onAudio?: (pcm: Uint8Array) => void;
}

/**
 * How far before a range the input is seeked. Files with an index (MP4, MOV, MKV, WebM) land on
 * the keyframe before any time; MPEG-TS and other unindexed files land only near it.
 */
const SEEK_MARGIN_S = 1;

/** The arguments that set a decode's frame timing: before the input, filters, after it. */
function timingArgs(options: DecodeOptions): {
  input: string[];
  filters: string[];
  output: string[];
} {
  const rate = fpsArgument(options.fps);
  const { range, fps } = options;
  if (!range && !options.exactFrames)
    return { input: [], filters: [], output: ['-vsync', 'cfr', '-r', rate] };
  // Slots on the file's timeline, anchored at a slot before the seek (so nothing is padded).
  const seek = range ? (range.seekS ?? Math.max(0, range.start / fps - SEEK_MARGIN_S)) : 0;
  const anchor = Math.floor(seek * fps) / fps;
  return {
    // Timestamps from the file's start whatever the seek, and no frame dropped before it. No
    // seek to 0: a file without an index (a cut Matroska has no cues) is scanned to find it.
    input: range
      ? [
          '-copyts',
          '-start_at_zero',
          ...(seek > 0 ? ['-noaccurate_seek', '-ss', seek.toFixed(6)] : []),
        ]
      : [],
    filters: [
      `fps=fps=${rate}:start_time=${anchor.toFixed(6)}`,
      ...(range ? [`trim=start_pts=${range.start}`] : []),
    ],
    output: [
      '-vsync',
      'passthrough',
      ...(range && !range.toEnd ? ['-frames:v', String(range.count)] : []),
    ],
  };
}

/**
 * Decodes any ffmpeg input to RGB24 frames at a fixed size and rate. The stream is pulled: when
 * the consumer stops reading, the pipe fills and ffmpeg pauses (backpressure).
 */
export async function* decodeFrames(options: DecodeOptions): AsyncGenerator<Frame> {
  const { width, height, fps } = options;
  let decoded = 0;
  const timing = timingArgs(options);
  const args = [
    ...(options.strict ? ['-xerror'] : []),
    ...timing.input,
    ...options.inputArgs,
    '-map',
    '0:v:0',
    '-vf',
    [...timing.filters, `scale=${width}:${height}:flags=bicubic`].join(','),
    ...timing.output,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
    ...(options.onAudio ? pcmOutputArgs() : []),
  ];
  const ffmpeg = spawnFfmpeg(args, {
    task: `decoding ${options.label}`,
    signal: options.signal,
    stdout: true,
    fd3: options.onAudio !== undefined,
    progress: () => `frame ${decoded}`,
  });
  if (options.onAudio) {
    const { onAudio } = options;
    const aligner = new PcmFrameAligner();
    ffmpeg.fd3!.on('data', (chunk: Buffer) => {
      const pcm = aligner.push(chunk);
      if (pcm.length > 0) onAudio(pcm);
    });
  }
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
