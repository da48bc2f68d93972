/**
 * Render: a video file in, the same video stylized out — same length, frame rate, size and audio.
 * Nothing is lost: every decoded frame is stylized and encoded exactly once, in order.
 */
import { decodeFrames } from '../decode/decode-frames.js';
import { probeMedia, type MediaInfo } from '../decode/probe.js';
import { refuseCutShort } from '../decode/promised-frames.js';
import { workingSize, type Size } from '../decode/working-size.js';
import { prepareOutput, type OutputFile } from '../encode/output-file.js';
import { outputFormat, type X264Preset } from '../encode/output-formats.js';
import { VideoEncoder } from '../encode/video-encoder.js';
import { badOption, StylecastError } from '../errors.js';
import { ffmpegFile } from '../ffmpeg.js';
import { checkOptions, requiredText, shown } from '../options/define-option.js';
import { renderOptions } from '../options/options.js';
import { assertOpenStylizer, type Stylizer } from '../stylizer/stylizer.js';
import type { StyleForFrame } from '../types.js';
import { defaultStallMs, ProgressWatchdog, watchedFrames } from '../progress-watchdog.js';
import { framesPerCall } from './frames-per-call.js';
import { stylizeFrames } from './stylize-frames.js';

export interface RenderProgress {
  /** Frames written so far. */
  frames: number;
  /** Frames the input has (counted when it was probed). */
  totalFrames: number;
  elapsedMs: number;
}

const { batch, ...requestOptions } = renderOptions;

/**
 * What to render: `size`, `lossless` and `preset` are the option table's (README.md; src/options
 * holds their rules, and test/api.test.ts holds these types to it).
 */
export interface RenderRequest {
  /** The video file to stylize. */
  input: string;
  /**
   * The file to write: its extension chooses the format (src/encode/output-formats.ts). Written
   * under a temporary name and renamed when complete; never one of the files the run reads.
   */
  output: string;
  /**
   * The working size, aspect kept: `{ width, height }` fits inside it; a width of `Infinity` sets
   * the height (`720p`). 2 to 8192 pixels a side.
   * @default the input's size
   */
  size?: Size;
  /**
   * Every pixel exact: FFV1 in Matroska (name the output `.mkv`).
   * @default false
   */
  lossless?: boolean;
  /**
   * The x264 preset of an H.264 output.
   * @default 'veryfast'
   */
  preset?: X264Preset;
  /** Other files the run reads (style images, a schedule, a config): the output may be none. */
  reads?: readonly string[];
}

/** A checked request: the input probed, the output's folder and type validated. */
export interface RenderPlan extends RenderRequest {
  info: MediaInfo;
  frameSize: Size;
  outputFile: OutputFile;
}

/**
 * A render: the request (`input`, `output`, `size`, `lossless`, `preset`, `reads`), or a plan
 * `planRender` made of it (spread in: `{ ...plan, styleFor }`), and how to run it.
 */
export interface RenderVideoOptions extends RenderRequest {
  /** Each frame's style: `() => style` for one style, `scheduleStyle(…)` for a schedule. */
  styleFor: StyleForFrame;
  /**
   * Frames per inference call, 1 to 16 (fewer for large frames: at most 8 megapixels a call).
   * @default 1
   */
  batch?: number;
  /** Stops the render: it rejects with an `ABORTED` error and leaves no output. */
  signal?: AbortSignal;
  /** Called after each frame is written. */
  onProgress?: (progress: RenderProgress) => void;
  /**
   * A stage (decoder, inference, encoder) that makes no progress for this long fails the render
   * with a `STALLED` error naming it. Default `STYLECAST_STALL_SECONDS`, else 60 s.
   */
  stallMs?: number;
}

export interface RenderResult {
  frames: number;
  seconds: number;
  fps: number;
  width: number;
  height: number;
  output: string;
}

/**
 * Checks everything about a render that can be checked before any work starts. Counting a long
 * file's frames takes a while: `signal` stops it (an `ABORTED` error).
 */
export async function planRender(
  request: RenderRequest,
  options: { signal?: AbortSignal } = {},
): Promise<RenderPlan> {
  request = { ...request, ...checkOptions(requestOptions, request) };
  requiredText(request, 'input', 'a video file');
  requiredText(request, 'output', 'the file to write');
  const info = await probeMedia(request.input, { countFrames: true, signal: options.signal });
  const frameSize = workingSize({ width: info.width, height: info.height }, request.size);
  outputFormat(request.output, request);
  const outputFile = await prepareOutput(request.output, [request.input, ...(request.reads ?? [])]);
  planned.add(outputFile);
  return { ...request, info, frameSize, outputFile };
}

/** The output files planRender prepared: a request carrying one is planned already. */
const planned = new WeakSet<OutputFile>();

function isPlanned(request: RenderRequest): request is RenderPlan {
  const { outputFile } = request as Partial<RenderPlan>;
  return outputFile !== undefined && planned.has(outputFile);
}

/**
 * Stylizes `input` into `output`. A request that `planRender` has not checked yet is planned
 * first (probed, its output checked): a caller that wants the checks before the model loads
 * plans first and passes the plan.
 */
export async function renderVideo(
  stylizer: Stylizer,
  options: RenderVideoOptions,
): Promise<RenderResult> {
  const started = performance.now();
  const checked = checkOptions({ batch }, options ?? {});
  assertOpenStylizer(stylizer);
  if (typeof options.styleFor !== 'function')
    throw badOption(
      `Expected \`styleFor\` to be a function of the frame, got \`${shown(options.styleFor)}\``,
    );
  const plan = isPlanned(options) ? options : await planRender(options, { signal: options.signal });
  const { info, frameSize: size, outputFile: output } = plan;

  const controller = new AbortController();
  const watchdog = new ProgressWatchdog(options.stallMs ?? defaultStallMs(), (stall) =>
    controller.abort(stall),
  );
  const stop = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  const encoder = VideoEncoder.open({
    ...plan,
    output,
    ...size,
    fps: info.fps,
    audio: info.hasAudio ? { path: ffmpegFile(plan.input), codec: info.audioCodec } : undefined,
    signal: controller.signal,
    watchdog,
  });
  let written = 0;
  try {
    const frames = await stylizeFrames({
      frames: watchedFrames(
        decodeFrames({
          inputArgs: ['-i', ffmpegFile(plan.input)],
          ...size,
          fps: info.fps,
          label: plan.input,
          strict: true,
          exactFrames: true,
          signal: controller.signal,
        }),
        watchdog,
        (decoded) => `the decoder (ffmpeg, reading ${plan.input}, at frame ${decoded})`,
      ),
      stylizer,
      styleFor: options.styleFor,
      batchSize: framesPerCall(checked.batch, size),
      signal: controller.signal,
      watchdog,
      write: async (frame) => {
        await encoder.write(frame);
        written += 1;
        options.onProgress?.({
          frames: written,
          totalFrames: info.frameCount,
          elapsedMs: performance.now() - started,
        });
      },
    });
    if (frames === 0)
      throw new StylecastError('INPUT_CORRUPT', `No frames could be decoded from ${plan.input}`);
    refuseCutShort(plan.input, info, frames);
    await encoder.finish();
    const seconds = (performance.now() - started) / 1000;
    return { frames, seconds, fps: frames / seconds, ...size, output: output.path };
  } catch (error) {
    // A stall aborted the run first; what the other stages then threw only follows from it.
    const cause = controller.signal.aborted ? (controller.signal.reason as unknown) : error;
    controller.abort(error);
    await encoder.abort();
    if (options.signal?.aborted)
      throw new StylecastError('ABORTED', `Stopped; no output was written to ${output.path}`);
    throw cause;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
