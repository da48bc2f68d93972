/**
 * `--size auto` for live: which working size the stylizer can keep up with. The sizes form a
 * ladder (720p → 540p → 432p → 360p, the source's aspect kept, each side a multiple of the
 * model's `sizeMultiple`); the controller steps down when frames are being dropped as stale and
 * the stylizer's measured throughput is below the source's rate — straight to the largest size
 * that throughput, scaled by pixels, is predicted to keep up at, so a run that starts far too big
 * settles in one step — and up one rung when the throughput predicted for the next size up clears
 * the source's rate with headroom. Decisions are pure
 * functions of the measured windows it is given — no timers, no clocks — and need several windows
 * in a row (more to go up than down), so the size does not oscillate.
 */
import { SIZE_720P, type Size } from '../decode/working-size.js';

/** Heights of the ladder, largest first; rungs above the start size are left out. */
export const LADDER_HEIGHTS = [720, 540, 432, 360] as const;
/** Largest start size for `auto`. */
export const AUTO_LIMIT: Size = SIZE_720P;

/** What the pipeline measured over one window (a couple of seconds) at the current size. */
export interface SizeWindow {
  /** Frames the source delivered. */
  sourceFrames: number;
  /** Of those, frames dropped as stale (a newer frame replaced them before a worker was free). */
  dropped: number;
  /** Frames per second the source delivered. */
  sourceFps: number;
  /**
   * Mean time one frame held a worker's place at the current size, ms: inference, then its JPEG
   * (the place is not free for the next frame until that is done). The mean, not the median: the
   * slow frames are what make a stale drop.
   */
  frameMs: number;
  /** Frames stylized at once (workers). */
  workers: number;
}

export interface SizeControllerOptions {
  /** Share of source frames dropped in a window that counts as falling behind. */
  dropShare?: number;
  /** Predicted throughput at the next size up must reach this multiple of the source's rate. */
  headroom?: number;
  /** Windows in a row that must agree before stepping down / up. */
  downAfter?: number;
  upAfter?: number;
}

/** Rounds to the nearest multiple of `multiple` that is even and at least one multiple. */
function roundTo(value: number, multiple: number): number {
  const step = multiple % 2 === 0 ? multiple : multiple * 2;
  return Math.max(step, Math.round(value / step) * step);
}

/**
 * The sizes `auto` may work at for a source of size `source`: the source fitted inside 1280×720,
 * then each ladder height below it, aspect kept, sides rounded to the model's size multiple.
 */
export function sizeLadder(source: Size, sizeMultiple: number): Size[] {
  const scale = Math.min(1, AUTO_LIMIT.width / source.width, AUTO_LIMIT.height / source.height);
  const top = { width: source.width * scale, height: source.height * scale };
  const heights = [top.height, ...LADDER_HEIGHTS.filter((height) => height < top.height - 1)];
  const rungs: Size[] = [];
  for (const height of heights) {
    const rung = {
      width: roundTo((top.width * height) / top.height, sizeMultiple),
      height: roundTo(height, sizeMultiple),
    };
    const last = rungs.at(-1);
    if (!last || last.width !== rung.width || last.height !== rung.height) rungs.push(rung);
  }
  return rungs;
}

export class SizeController {
  private rung = 0;
  private downVotes = 0;
  private upVotes = 0;
  private readonly dropShare: number;
  private readonly headroom: number;
  private readonly downAfter: number;
  private readonly upAfter: number;

  /** `ladder` largest first; a fixed `--size` is a ladder of one rung, and never changes. */
  constructor(
    readonly ladder: readonly Size[],
    options: SizeControllerOptions = {},
  ) {
    if (ladder.length === 0) throw new RangeError('Expected `ladder` to hold at least one size');
    this.dropShare = options.dropShare ?? 0.1;
    this.headroom = options.headroom ?? 1.3;
    this.downAfter = options.downAfter ?? 2;
    this.upAfter = options.upAfter ?? 4;
  }

  get size(): Size {
    return this.ladder[this.rung]!;
  }

  /**
   * Takes one measured window and returns the size to work at from now on: the current one
   * (hold) or a neighbouring rung. After a change the votes start again, so the first window at
   * the new size is judged on its own numbers.
   */
  observe(window: SizeWindow): Size {
    const { sourceFrames, dropped, sourceFps, frameMs, workers } = window;
    if (sourceFrames === 0 || frameMs <= 0 || sourceFps <= 0) return this.size;
    const throughput = (workers * 1000) / frameMs;
    const behind = dropped / sourceFrames > this.dropShare && throughput < sourceFps;
    const bigger = this.ladder[this.rung - 1];
    const pixels = (size: Size): number => size.width * size.height;
    const roomAbove =
      bigger !== undefined &&
      dropped / sourceFrames <= this.dropShare / 2 &&
      (throughput * pixels(this.size)) / pixels(bigger) >= sourceFps * this.headroom;

    this.downVotes = behind ? this.downVotes + 1 : 0;
    this.upVotes = roomAbove ? this.upVotes + 1 : 0;
    if (this.downVotes >= this.downAfter && this.rung < this.ladder.length - 1) {
      // The first smaller rung predicted to keep up, or the smallest.
      let rung = this.rung + 1;
      while (
        rung < this.ladder.length - 1 &&
        (throughput * pixels(this.size)) / pixels(this.ladder[rung]!) < sourceFps
      ) {
        rung++;
      }
      this.moveTo(rung);
    } else if (this.upVotes >= this.upAfter) {
      this.moveTo(this.rung - 1);
    }
    return this.size;
  }

  private moveTo(rung: number): void {
    this.rung = rung;
    this.downVotes = 0;
    this.upVotes = 0;
  }
}
