/**
 * The live frame pump: the newest captured frame waits in a one-frame slot (older ones are
 * dropped and counted); up to one frame per inference worker is stylized at a time; each result
 * goes on to the encoding lane (`EncodingLane`: encoded for the viewers, recorded, in frame order),
 * and its worker takes the next frame at once, while that one is encoded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { Frame, StyleSettings } from '../types.js';
import { EncodingLane, type SentFrame, type Stylized } from './encoding-lane.js';
import type { LiveFrameSlot } from './live-frame-slot.js';
import type { LiveStats } from './live-stats.js';

/** Inference failures in a row that end the run (a worker crash fails one frame, then restarts). */
const MAX_INFERENCE_FAILURES = 5;

export interface Captured {
  frame: Frame;
  /** When the source delivered it, ms since the epoch. */
  captureMs: number;
}

export interface LiveFramePumpOptions {
  stylizer: Stylizer;
  /** Where captured frames wait; it counts the ones dropped there. */
  slot: LiveFrameSlot<Captured>;
  /** Where stylized frames wait for the encoders; it counts the ones dropped there. */
  encodingSlot: LiveFrameSlot<Stylized>;
  stats: LiveStats;
  /** Each frame's style; `null` or `undefined` sends it unstyled. */
  styleFor(captured: Captured): StyleSettings | null | undefined;
  /** Whether anyone would see a frame now (a viewer, a recording): if not, none is stylized. */
  wanted(): boolean;
  /**
   * Hands on a stylized frame that goes out (`index` and `captureMs` tag it); resolves once it is
   * encoded and offered to the viewers. Called in frame order, at most two frames at once.
   */
  deliver(output: Frame, tag: { index: number; captureMs: number }): Promise<void>;
  /** Each frame that went out, once delivered, with its capture and send times. */
  sent?(frame: SentFrame): void;
  /**
   * How long a stylized frame held one of the stylizer's places (its inference), ms, with the
   * result: for `--size auto`, the model's rate.
   */
  timed?(ms: number, output: Frame): void;
  /** The encoding lane's busy time per frame delivered, ms (`--size auto`: the encoders' rate). */
  encoded?(ms: number, output: Frame): void;
  signal: AbortSignal;
  /** A stage failed for good: the run stops. */
  fail(error: unknown): void;
}

export class LiveFramePump {
  private inFlight = 0;
  private inferenceFailures = 0;
  private idle: (() => void) | undefined;
  private readonly lane: EncodingLane;

  constructor(private readonly options: LiveFramePumpOptions) {
    const { encodingSlot, stats, deliver, sent, encoded, signal, fail } = options;
    this.lane = new EncodingLane({
      slot: encodingSlot,
      stats,
      deliver,
      sent,
      timed: encoded,
      signal,
      fail,
    });
  }

  /** The newest captured frame: it replaces any still waiting, and goes to a free worker. */
  put(captured: Captured): void {
    this.options.slot.put(captured);
    this.pump();
  }

  /** Drops the frame still waiting (the source restarted, the run is stopping). */
  clear(): void {
    this.options.slot.clear();
  }

  /** Waits until no frame is stylized, encoded or waiting for the encoders, or `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const stylized =
      this.inFlight === 0 ? undefined : new Promise<void>((resolve) => (this.idle = resolve));
    await Promise.race([
      (async () => {
        await stylized;
        await this.lane.settled();
      })(),
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
      this.options.timed?.(performance.now() - startedMs, output);
    }
    // The worker's place is free from here: encoding goes on in the lane.
    this.lane.offer({ output, index: frame.index, captureMs: captured.captureMs });
  }
}
