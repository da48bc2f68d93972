/**
 * The live frame pump: the newest captured frame waits in a one-frame slot (older ones are
 * dropped and counted); up to one frame per inference worker is stylized at a time; each result,
 * unless a newer one already went out, is delivered (encoded for the viewers, recorded). Frames
 * out of order are dropped late rather than shown backwards in time, and deliveries start in
 * frame order (a video codec's frames depend on the ones before).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { Frame, StyleSettings } from '../types.js';
import type { LiveFrameSlot } from './live-frame-slot.js';
import type { LiveStats } from './live-stats.js';

/** Inference failures in a row that end the run (a worker crash fails one frame, then restarts). */
const MAX_INFERENCE_FAILURES = 5;

export interface Captured {
  frame: Frame;
  /** When the source delivered it, ms since the epoch. */
  captureMs: number;
}

/** A frame that went out: its source index, capture and send times (ms since the epoch). */
export interface SentFrame {
  index: number;
  captureMs: number;
  sentMs: number;
}

export interface LiveFramePumpOptions {
  stylizer: Stylizer;
  /** Where captured frames wait; it counts the ones dropped there. */
  slot: LiveFrameSlot<Captured>;
  stats: LiveStats;
  /** Each frame's style; `null` or `undefined` sends it unstyled. */
  styleFor(captured: Captured): StyleSettings | null | undefined;
  /** Whether anyone would see a frame now (a viewer, a recording): if not, none is stylized. */
  wanted(): boolean;
  /**
   * Hands on a stylized frame that goes out (`index` and `captureMs` tag it); resolves once it is
   * encoded and offered to the viewers. Called in frame order.
   */
  deliver(output: Frame, tag: { index: number; captureMs: number }): Promise<void>;
  /** Each frame that went out, once delivered, with its capture and send times. */
  sent?(frame: SentFrame): void;
  /**
   * How long a stylized frame held one of the stylizer's places, ms — inference, then encoding
   * for the viewers, up to delivery — with the result (for `--size auto`: the pump's real rate,
   * encoders included, not the model's alone).
   */
  timed?(ms: number, output: Frame): void;
  signal: AbortSignal;
  /** A stage failed for good: the run stops. */
  fail(error: unknown): void;
}

export class LiveFramePump {
  private inFlight = 0;
  private lastSent = -1;
  private inferenceFailures = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly options: LiveFramePumpOptions) {}

  /** The newest captured frame: it replaces any still waiting, and goes to a free worker. */
  put(captured: Captured): void {
    this.options.slot.put(captured);
    this.pump();
  }

  /** Drops the frame still waiting (the source restarted, the run is stopping). */
  clear(): void {
    this.options.slot.clear();
  }

  /** Waits until no frame is in flight, or `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => (this.idle = resolve)),
      sleep(timeoutMs, undefined, { ref: false }),
    ]);
  }

  private pump(): void {
    const { slot, stylizer, signal } = this.options;
    while (!signal.aborted && this.inFlight < stylizer.concurrency && slot.full) {
      const item = slot.take()!;
      // Nobody watching and nothing recording: spend no CPU on frames no one will see.
      if (!this.options.wanted()) continue;
      this.inFlight++;
      void this.process(item)
        .catch(this.options.fail)
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0) this.idle?.();
          this.pump();
        });
    }
  }

  private async process(captured: Captured): Promise<void> {
    const { stylizer, signal } = this.options;
    const { frame } = captured;
    const settings = this.options.styleFor(captured);
    const startedMs = performance.now();
    let output = frame;
    if (settings) {
      try {
        [output = frame] = await stylizer.stylize([frame], [settings]);
        this.inferenceFailures = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (++this.inferenceFailures >= MAX_INFERENCE_FAILURES) throw error;
        return;
      }
    }
    try {
      await this.send(captured, output);
    } finally {
      if (settings) this.options.timed?.(performance.now() - startedMs, output);
    }
  }

  /** Delivers a result, unless a newer frame already went out. */
  private async send({ frame, captureMs }: Captured, output: Frame): Promise<void> {
    const { stats, signal } = this.options;
    if (frame.index <= this.lastSent || signal.aborted) return stats.lateDrop();
    // Claimed before encoding: frames reach the encoders in order, none behind a newer one.
    this.lastSent = frame.index;
    await this.options.deliver(output, { index: frame.index, captureMs });
    const sentMs = Date.now();
    stats.sent(sentMs - captureMs);
    this.options.sent?.({ index: frame.index, captureMs, sentMs });
  }
}
