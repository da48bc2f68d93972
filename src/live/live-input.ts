/**
 * How a live run reads its source: the ffmpeg arguments that open it, the stream's size and rate
 * once it has opened (fitted to `size`), and for `size: 'auto'` the windows that judge whether the
 * stylizer keeps up at that size (`SizeWindows`). A source that fails at the start has no format
 * until a later attempt opens it.
 */
import { findDshowCamera, liveInputArgs } from '../decode/live-source.js';
import type { Size } from '../decode/working-size.js';
import { StylecastError } from '../errors.js';
import type { VideoFormat } from './live-types.js';
import {
  liveSizeController,
  resolveLiveVideo,
  type LiveSourceFormat,
  type LiveVideoOptions,
} from './live-video.js';
import { SizeWindows } from './size-windows.js';

export interface LiveInputOptions extends LiveVideoOptions {
  loop?: boolean;
  /** Times a source that fails may be reopened: with none, one that cannot open fails the start. */
  retry: number;
}

export class LiveInput {
  private current: VideoFormat | undefined;
  private audio = false;
  private sizes: SizeWindows | undefined;
  private args: string[];

  private constructor(
    private readonly options: LiveInputOptions,
    /** The arguments as the caller asked (a test pattern's are made again at each size). */
    private readonly firstArgs: string[],
    private readonly sizeMultiple: number,
  ) {
    this.args = firstArgs;
  }

  /**
   * Opens the source once to learn its format. One that cannot be opened (`SOURCE_FAILED`) with
   * retries left is no failure yet: `startError` says why, and a later attempt opens it.
   */
  static async open(
    options: LiveInputOptions,
    sizeMultiple: number,
    signal: AbortSignal,
  ): Promise<{ input: LiveInput; startError?: unknown }> {
    const { source } = options;
    const dshowCamera =
      source.kind === 'webcam' && !source.device && process.platform === 'win32'
        ? await findDshowCamera()
        : undefined;
    const firstArgs = liveInputArgs(source, {
      loop: options.loop,
      fps: options.fps,
      size: options.size === 'auto' ? undefined : options.size,
      cameraFormat: options.cameraFormat,
      dshowCamera,
    });
    const input = new LiveInput(options, firstArgs, sizeMultiple);
    try {
      input.opened(await resolveLiveVideo(options, firstArgs, signal));
      return { input };
    } catch (error) {
      // Only a source that could not be opened is worth retrying; a missing file is not.
      const unopened = error instanceof StylecastError && error.code === 'SOURCE_FAILED';
      if (options.retry === 0 || !unopened || signal.aborted) throw error;
      return { input, startError: error };
    }
  }

  /** The stream's size and rate; undefined until the source has opened. */
  get format(): VideoFormat | undefined {
    return this.current;
  }

  /** Whether the source has audio, as it opened (false until it has). */
  get hasAudio(): boolean {
    return this.audio;
  }

  /** The source as `source` describes it, at the working size; after a failed start, probed now. */
  async openLate(signal: AbortSignal): Promise<VideoFormat> {
    return (
      this.current ?? this.opened(await resolveLiveVideo(this.options, this.firstArgs, signal))
    );
  }

  /** The decoder's input arguments for the next attempt, at the current working size. */
  decoderArgs(): string[] {
    return this.args;
  }

  /** A new working size (`auto` chose it): the next attempt opens the source at it. */
  resize(size: Size): VideoFormat {
    this.current = { ...size, fps: this.current!.fps };
    this.args = this.argsFor(this.current);
    return this.current;
  }

  /** A new attempt starts: `auto` judges from here, not counting drops from before. */
  restartWindows(dropped: number): void {
    this.sizes?.restart(dropped);
  }

  /** How long a frame at the working size took (frames of an older size are not counted). */
  timed(ms: number, output: { width: number }): void {
    if (output.width === this.current?.width) this.sizes?.timed(ms);
  }

  /** Each source frame, for `auto`: the new working size once a window says so, else undefined. */
  judge(captureMs: number, dropped: number, workers: number): Size | undefined {
    return this.sizes?.frame(captureMs, dropped, workers);
  }

  private opened({ video: probed, hasAudio }: LiveSourceFormat): VideoFormat {
    this.audio = hasAudio;
    this.sizes = new SizeWindows(liveSizeController(this.options.size, probed, this.sizeMultiple));
    this.current = { ...this.sizes.controller.size, fps: probed.fps };
    this.args = this.argsFor(this.current);
    return this.current;
  }

  /** A test pattern is generated at the working size; everything else is scaled to it. */
  private argsFor(format: VideoFormat): string[] {
    const { source } = this.options;
    return source.kind === 'testsrc'
      ? liveInputArgs(source, { fps: format.fps, size: format })
      : this.firstArgs;
  }
}
