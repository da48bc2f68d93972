/**
 * The live pipeline's encoding lane: a stylized frame leaves its inference worker for this lane,
 * so the worker takes the next frame while this one is encoded for the viewers. Frames enter the
 * encoders in frame order (a video codec's frames depend on the ones before), at most two at once:
 * x264 reads the next frame while it encodes one, for a frame's round trip through ffmpeg's pipes
 * takes several times its encoding when the machine is busy (at 720p beside a training job here:
 * 31 ms at the median, for about 10 ms of encoding). A frame that finishes inference after a newer
 * one entered the lane is dropped late rather than shown backwards in time. At most one frame
 * waits for the encoders: when they fall behind, a newer stylized frame replaces the waiting one
 * (counted as dropped), so latency stays bounded as at the source's slot.
 */
import type { Frame } from '../types.js';
import type { LiveFrameSlot } from './live-frame-slot.js';
import type { LiveStats } from './live-stats.js';

/** A stylized frame on its way out: `index` and `captureMs` are the source frame's. */
export interface Stylized {
  output: Frame;
  index: number;
  captureMs: number;
}

/** A frame that went out: its source index, capture and send times (ms since the epoch). */
export interface SentFrame {
  index: number;
  captureMs: number;
  sentMs: number;
}

/** Frames in the encoders at once. */
const MAX_DELIVERING = 2;

export interface EncodingLaneOptions {
  /** Where a stylized frame waits for the encoders; it counts the ones dropped there. */
  slot: LiveFrameSlot<Stylized>;
  stats: LiveStats;
  /**
   * Hands on a frame that goes out; resolves once it is encoded and offered to the viewers.
   * Called in frame order; a call may come before the one before it has resolved.
   */
  deliver(output: Frame, tag: { index: number; captureMs: number }): Promise<void>;
  /** Each frame that went out, once delivered, with its capture and send times. */
  sent?(frame: SentFrame): void;
  /**
   * The lane's busy time (some frame in the encoders) since the last frame was delivered, ms, at
   * each delivery: their mean is the time a frame costs the lane (`--size auto`: 1000 ÷ it is the
   * encoders' rate, however many frames overlap).
   */
  timed?(ms: number, output: Frame): void;
  signal: AbortSignal;
  /** Delivery failed for good: the run stops. */
  fail(error: unknown): void;
}

export class EncodingLane {
  private delivering = 0;
  /** The newest frame that entered the lane: no older one may follow it. */
  private lastEntered = -1;
  /** Since when the lane's busy time is not yet counted (a delivery, or the lane turning busy). */
  private countedUntilMs = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly options: EncodingLaneOptions) {}

  /** A frame is being delivered, or waits to be. */
  get busy(): boolean {
    return this.delivering > 0 || this.options.slot.full;
  }

  /** Takes a stylized frame: dropped late behind a newer one, else it waits for the encoders. */
  offer(stylized: Stylized): void {
    const { slot, stats, signal } = this.options;
    if (stylized.index <= this.lastEntered || signal.aborted) return stats.lateDrop();
    this.lastEntered = stylized.index;
    slot.put(stylized);
    this.next();
  }

  /** Resolves once no frame is delivered or waiting (it is the caller's to bound the wait). */
  async settled(): Promise<void> {
    if (!this.busy) return;
    await new Promise<void>((resolve) => (this.idle = resolve));
  }

  private next(): void {
    const { slot, signal } = this.options;
    // Stopping: a waiting frame will not go out.
    if (signal.aborted) slot.clear();
    while (this.delivering < MAX_DELIVERING && slot.full) {
      if (this.delivering === 0) this.countedUntilMs = performance.now();
      this.delivering++;
      void this.deliver(slot.take()!)
        .catch(this.options.fail)
        .finally(() => {
          this.delivering--;
          this.next();
        });
    }
    if (!this.busy) this.idle?.();
  }

  private async deliver({ output, index, captureMs }: Stylized): Promise<void> {
    await this.options.deliver(output, { index, captureMs });
    const nowMs = performance.now();
    this.options.timed?.(nowMs - this.countedUntilMs, output);
    this.countedUntilMs = nowMs;
    const sentMs = Date.now();
    this.options.stats.sent(sentMs - captureMs);
    this.options.sent?.({ index, captureMs, sentMs });
  }
}
