/**
 * What `--size auto` measures: a live run's source frames cut into windows of a couple of seconds
 * (by capture time), each holding its frames, its stale drops and how long a stylized frame held a
 * worker's place at the current size; at each window's end the `SizeController` judges it. Pure:
 * times are given, nothing waits here.
 */
import type { Size } from '../decode/working-size.js';
import type { SizeController } from './size-controller.js';

/** How long one window lasts, by source frame times. */
export const SIZE_WINDOW_MS = 2000;

/** The mean, 0 for none: a place's capacity is frames over the time they held it, tail included. */
function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export class SizeWindows {
  private startMs: number | undefined;
  private frames = 0;
  private dropsBefore = 0;
  /** How long each stylized frame held a worker's place (ms) at the current size, this window. */
  private frameTimes: number[] = [];

  constructor(
    readonly controller: SizeController,
    private readonly windowMs = SIZE_WINDOW_MS,
  ) {}

  /** Starts a first window (the source opened or restarted); `dropped` is the drop count so far. */
  restart(dropped: number): void {
    this.startMs = undefined;
    this.frames = 0;
    this.dropsBefore = dropped;
    this.frameTimes = [];
  }

  /** A frame at the current size held a worker's place for `ms` (inference, then JPEG). */
  timed(ms: number): void {
    this.frameTimes.push(ms);
  }

  /**
   * One source frame, captured at `captureMs`, with the count of frames dropped as stale so far
   * and the frames stylized at once. Returns the new size when a window ended and the controller
   * changed it.
   */
  frame(captureMs: number, dropped: number, workers: number): Size | undefined {
    this.startMs ??= captureMs;
    this.frames++;
    const elapsedMs = captureMs - this.startMs;
    if (this.controller.ladder.length < 2 || elapsedMs < this.windowMs) return undefined;
    const before = this.controller.size;
    const next = this.controller.observe({
      sourceFrames: this.frames,
      dropped: dropped - this.dropsBefore,
      sourceFps: (this.frames * 1000) / elapsedMs,
      frameMs: mean(this.frameTimes),
      workers,
    });
    this.restart(dropped);
    this.startMs = captureMs;
    return next === before ? undefined : next;
  }
}
