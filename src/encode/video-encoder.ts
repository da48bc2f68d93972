/** Encodes RGB frames to a video file, with the source's audio, under a temporary name. */
import { statSync } from 'node:fs';
import {
  fpsArgument,
  rawRgbInput,
  spawnFfmpeg,
  writeWithBackpressure,
  type FfmpegProcess,
} from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import type { Frame } from '../types.js';
import { audioArgs, outputFormat, type FormatChoice, type OutputFormat } from './output-formats.js';
import type { OutputFile } from './output-file.js';
import { ProgressWatchdog } from '../progress-watchdog.js';

export interface VideoEncoderOptions extends FormatChoice {
  output: OutputFile;
  width: number;
  height: number;
  fps: number;
  /** A file whose first audio stream is kept (copied where the container allows it). */
  audio?: { path: string; codec: string | null };
  /** How to encode; default chosen by the output's extension (a farm chunk overrides the muxer). */
  format?: OutputFormat;
  signal?: AbortSignal;
  /** Fails a write, or the final flush, that makes no progress for its limit. */
  watchdog?: ProgressWatchdog;
}

const DISK_FULL = /No space left on device|ENOSPC/i;

export class VideoEncoder {
  private written = 0;
  private failed: Error | null = null;

  private readonly ffmpeg: FfmpegProcess;

  private constructor(
    args: string[],
    private readonly options: VideoEncoderOptions,
  ) {
    this.ffmpeg = spawnFfmpeg(args, {
      task: `encoding ${options.output.path}`,
      signal: options.signal,
      stdin: true,
      progress: () => `frame ${this.written}`,
    });
  }

  static open(options: VideoEncoderOptions): VideoEncoder {
    const format = options.format ?? outputFormat(options.output.path, options);
    const { width, height, fps, audio } = options;
    const args = [
      ...rawRgbInput(width, height),
      '-r',
      fpsArgument(fps),
      '-i',
      'pipe:0',
      ...audioArgs(format, audio),
      ...format.videoArgs({ width, height }),
      ...format.extraArgs,
      '-f',
      format.muxer,
      '-y',
      options.output.tempPath,
    ];
    return new VideoEncoder(args, options);
  }

  private get watchdog(): ProgressWatchdog {
    return this.options.watchdog ?? ProgressWatchdog.off;
  }

  get framesWritten(): number {
    return this.written;
  }

  async write(frame: Frame): Promise<void> {
    if (this.failed) throw this.failed;
    const ok = await this.watchdog.watch(
      () => `the encoder (ffmpeg, writing ${this.options.output.path}, at frame ${this.written})`,
      writeWithBackpressure(this.ffmpeg.stdin!, frame.data),
    );
    if (!ok) {
      // ffmpeg closed its input: its exit status says why.
      await this.ffmpeg.done.catch((error: Error) => (this.failed = this.explain(error)));
      throw (
        this.failed ??
        new StylecastError(
          'FFMPEG_FAILED',
          `ffmpeg stopped reading frames for ${this.options.output.path} at frame ${this.written}`,
        )
      );
    }
    this.written += 1;
  }

  /** Closes the stream, waits for ffmpeg, and moves the file into place. */
  async finish(): Promise<void> {
    this.ffmpeg.stdin!.end();
    const { tempPath } = this.options.output;
    try {
      // Flushing a slow preset can take long: a file that still grows is progress.
      await this.watchdog.watch(
        () => `the encoder (ffmpeg, finishing ${this.options.output.path})`,
        this.ffmpeg.done,
        () => statSync(tempPath, { throwIfNoEntry: false })?.size,
      );
    } catch (error) {
      await this.ffmpeg.stop(); // a stalled ffmpeg still holds the file open
      await this.options.output.discard();
      throw this.explain(error as Error);
    }
    await this.options.output.commit();
  }

  /** Stops ffmpeg and removes the partial file. */
  async abort(): Promise<void> {
    await this.ffmpeg.stop();
    await this.options.output.discard();
  }

  private explain(error: Error): Error {
    if (DISK_FULL.test(error.message) || DISK_FULL.test(this.ffmpeg.stderrTail())) {
      return new StylecastError(
        'OUTPUT_WRITE_FAILED',
        `Disk full while writing ${this.options.output.path} (at frame ${this.written})`,
      );
    }
    return error;
  }
}
