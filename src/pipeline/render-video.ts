/**
 * Render: a video file in, the same video stylized out — same length, frame rate, size and audio.
 * Nothing is lost: every decoded frame is stylized and encoded exactly once, in order.
 */
import { decodeFrames } from '../decode/decode-frames.js';
import { probeMedia, type MediaInfo } from '../decode/probe.js';
import { workingSize, type Size } from '../decode/working-size.js';
import { prepareOutput, type OutputFile } from '../encode/output-file.js';
import { outputFormat, type FormatChoice } from '../encode/output-format.js';
import { VideoEncoder } from '../encode/video-encoder.js';
import { StylecastError } from '../errors.js';
import { ffmpegFile } from '../ffmpeg.js';
import type { InferencePool } from '../infer/inference-pool.js';
import type { StyleForFrame } from '../types.js';
import { stylizeFrames } from './stylize-frames.js';

export interface RenderProgress {
  frames: number;
  totalFrames: number;
  elapsedMs: number;
}

export interface RenderRequest extends FormatChoice {
  input: string;
  output: string;
  /** Fit inside this size (aspect kept); default the source's size. */
  size?: Size;
  /** Other files the run reads (style images, a schedule, a config): the output may be none. */
  reads?: readonly string[];
}

/** A checked request: the input probed, the output's folder and type validated. */
export interface RenderPlan extends RenderRequest {
  info: MediaInfo;
  frameSize: Size;
  outputFile: OutputFile;
}

export interface RenderVideoOptions {
  pool: InferencePool;
  styleFor: StyleForFrame;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
}

export interface RenderResult {
  frames: number;
  seconds: number;
  fps: number;
  width: number;
  height: number;
  output: string;
}

/** A file that decodes to fewer frames than its duration promises was cut short or damaged. */
function missingFrames(info: MediaInfo, decoded: number): boolean {
  if (info.durationMs === null) return false;
  const expected = Math.round((info.durationMs / 1000) * info.fps);
  // The container's duration may include audio that outlasts the last video frame a little.
  return decoded < expected * 0.95 - info.fps * 0.25;
}

/** Checks everything about a render that can be checked before any work starts. */
export async function planRender(request: RenderRequest): Promise<RenderPlan> {
  const info = await probeMedia(request.input, { countFrames: true });
  const frameSize = workingSize({ width: info.width, height: info.height }, request.size);
  outputFormat(request.output, request);
  const outputFile = await prepareOutput(request.output, [request.input, ...(request.reads ?? [])]);
  return { ...request, info, frameSize, outputFile };
}

export async function renderVideo(
  plan: RenderPlan,
  options: RenderVideoOptions,
): Promise<RenderResult> {
  const started = performance.now();
  const { info, frameSize: size, outputFile: output } = plan;

  const controller = new AbortController();
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
  });
  let written = 0;
  try {
    const frames = await stylizeFrames({
      frames: decodeFrames({
        inputArgs: ['-i', ffmpegFile(plan.input)],
        ...size,
        fps: info.fps,
        label: plan.input,
        strict: true,
        exactFrames: true,
        signal: controller.signal,
      }),
      pool: options.pool,
      styleFor: options.styleFor,
      batchSize: options.batchSize,
      signal: controller.signal,
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
    if (missingFrames(info, frames)) {
      const expected = Math.round(((info.durationMs ?? 0) / 1000) * info.fps);
      throw new StylecastError(
        'INPUT_CORRUPT',
        `${plan.input} is damaged or cut short: decoded ${frames} of ${expected} frames`,
      );
    }
    await encoder.finish();
    const seconds = (performance.now() - started) / 1000;
    return { frames, seconds, fps: frames / seconds, ...size, output: output.path };
  } catch (error) {
    controller.abort(error);
    await encoder.abort();
    if (options.signal?.aborted)
      throw new StylecastError('ABORTED', `Stopped; no output was written to ${output.path}`);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
