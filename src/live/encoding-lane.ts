/**
 * The live pipeline's encoding lane: a stylized frame leaves its inference worker for this lane,
 * so the worker takes the next frame while this one is encoded for the viewers. Frames go through
 * the lane in frame order, one at a time (a video codec's frames depend on the ones before, and
 * x264 encodes one frame at a time anyway); a frame that finishes inference after a newer one
 * entered the lane is dropped late rather than shown backwards in time. At most one frame waits
 * for the encoders: when they fall behind, a newer stylized frame replaces the waiting one (counted
 * as dropped), so latency stays bounded as at the source's slot.
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

export interface EncodingLaneOptions {
  /** Where a stylized frame waits for the encoders; it counts the ones dropped there. */
  slot: LiveFrameSlot<Stylized>;
  stats: LiveStats;
  /**
   * Hands on a frame that goes out; resolves once it is encoded and offered to the viewers.
   * Called in frame order, one frame at a time.
   */
  deliver(output: Frame, tag: { index: number; captureMs: number }): Promise<void>;
  /** Each frame that went out, once delivered, with its capture and send times. */
  sent?(frame: SentFrame): void;
  /** How long a frame held the lane, ms, from leaving the slot to delivered (`--size auto`). */
  timed?(ms: number, output: Frame): void;
  signal: AbortSignal;
  /** Delivery failed for good: the run stops. */
  fail(error: unknown): void;
}

export class EncodingLane {
  private delivering = false;
  /** The newest frame that entered the lane: no older one may follow it. */
  private lastEntered = -1;
  private idle: (() => void) | undefined;

  constructor(private readonly options: EncodingLaneOptions) {}

  /** A frame is being delivered, or waits to be. */
  get busy(): boolean {
    return this.delivering || this.options.slot.full;
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
    if (this.delivering || !slot.full) {
      if (!this.busy) this.idle?.();
      return;
    }
    this.delivering = true;
    void this.deliver(slot.take()!)
      .catch(this.options.fail)
      .finally(() => {
        this.delivering = false;
        this.next();
      });
  }

  private async deliver({ output, index, captureMs }: Stylized): Promise<void> {
    const startedMs = performance.now();
    await this.options.deliver(output, { index, captureMs });
    this.options.timed?.(performance.now() - startedMs, output);
    const sentMs = Date.now();
    this.options.stats.sent(sentMs - captureMs);
    this.options.sent?.({ index, captureMs, sentMs });
  }
}
