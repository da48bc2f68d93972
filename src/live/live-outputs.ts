/**
 * Where a live run's stylized stream goes besides the viewers: the recording (`record`) and each
 * media server (`publish`, with the source's audio unless `mute`). Both need the stream's size,
 * so they start once the source has opened; the targets and the recording's file are checked
 * before anything runs.
 */
import { prepareOutput } from '../encode/output-file.js';
import { checkPublishable } from '../publish/ffmpeg-protocols.js';
import { parsePublishTarget, type PublishTarget } from '../publish/publish-target.js';
import { loadPublishCa } from '../publish/server-certificate.js';
import { publishSize } from '../publish/publish-encoder.js';
import {
  StreamPublisher,
  type PublishCounts,
  type PublishStatus,
} from '../publish/stream-publisher.js';
import type { Frame } from '../types.js';
import { startLiveRecorder, type LiveRecorder } from './live-recorder.js';
import type { VideoFormat } from './live-types.js';

export interface LiveOutputsOptions {
  record?: string;
  publish?: readonly string[];
  /** PEM CAs that check rtmps:// servers in place of the system's. */
  publishCa?: string;
  /** Publish the video only, leaving the source's audio out. */
  mute?: boolean;
  /** The first reconnect delay of a publish target. */
  retryDelayMs?: number;
  onPublish?: (status: PublishStatus) => void;
  signal: AbortSignal;
  /** The recording failed (disk full, ffmpeg gone): the run stops. */
  fail: (error: unknown) => void;
}

export class LiveOutputs {
  private recorder: LiveRecorder | undefined;
  private readonly publishers: StreamPublisher[] = [];

  private constructor(
    private readonly options: LiveOutputsOptions,
    private readonly targets: readonly PublishTarget[],
    private readonly caFile: string | undefined,
  ) {}

  /**
   * Checks each target this ffmpeg can write, the CAs that check RTMPS servers, and the recording's path (never one of `reads`, its
   * folder writable), before anything starts.
   */
  static async check(
    options: LiveOutputsOptions,
    reads: readonly (string | undefined)[],
  ): Promise<LiveOutputs> {
    const targets = (options.publish ?? []).map(parsePublishTarget);
    for (const target of targets) await checkPublishable(target);
    const caFile =
      options.publishCa === undefined ? undefined : await loadPublishCa(options.publishCa);
    if (options.record) await prepareOutput(options.record, reads);
    return new LiveOutputs(options, targets, caFile);
  }

  /** Whether anything takes the frames now (the recording or a media server once started). */
  get active(): boolean {
    return this.recorder !== undefined || this.publishers.length > 0;
  }

  /** Frames in the recording so far (repeats included); undefined without one. */
  get recordedFrames(): number | undefined {
    return this.recorder?.framesWritten;
  }

  get publishing(): boolean {
    return this.publishers.length > 0;
  }

  /** Whether the media servers take the source's audio (`offerAudio`). */
  get publishingAudio(): boolean {
    return this.publishers.some((publisher) => publisher.carriesAudio);
  }

  /** Starts the recording at the stream's format (when there is one to make). */
  async startRecording(format: VideoFormat): Promise<void> {
    if (this.options.record)
      this.recorder = await startLiveRecorder(this.options.record, format, this.options.fail);
  }

  /**
   * Starts pushing to each media server at the stream's format (then each frame at its own size:
   * the working size), with the source's audio if it has some.
   */
  startPublishing(format: VideoFormat, sourceHasAudio: boolean): void {
    for (const target of this.targets) {
      this.publishers.push(
        new StreamPublisher({
          target,
          video: { ...publishSize(format), fps: format.fps },
          audio: sourceHasAudio && !this.options.mute,
          caFile: this.caFile,
          firstDelayMs: this.options.retryDelayMs,
          onStatus: this.options.onPublish,
          signal: this.options.signal,
        }),
      );
    }
  }

  /** Hands on one stylized frame; never waits (each output drops what it cannot take). */
  offer(frame: Frame, captureMs: number): void {
    this.recorder?.offer(frame, captureMs);
    for (const publisher of this.publishers) publisher.offer(frame, captureMs);
  }

  /** Hands on the source's audio (PCM, the last sample captured at `captureMs`); never waits. */
  offerAudio(pcm: Uint8Array, captureMs: number): void {
    for (const publisher of this.publishers) publisher.offerAudio(pcm, captureMs);
  }

  /** What each media server has been sent so far. */
  publishCounts(): PublishCounts[] {
    return this.publishers.map((publisher) => publisher.counts());
  }

  /** Stops publishing, and completes the recording — or, after a failure, removes it. */
  async stop(failed: boolean): Promise<void> {
    await Promise.all(this.publishers.map((publisher) => publisher.stop()));
    if (failed) await this.recorder?.abort();
    else await this.recorder?.finish();
  }

  /** The run could not start: leaves no partial recording. */
  async abort(): Promise<void> {
    await this.recorder?.abort();
  }
}
