/**
 * Figures of a live run: source and output frame rates over the last couple of seconds,
 * capture-to-send latency percentiles over the last frames, and drops.
 */
import type { StatsSnapshot } from './live-types.js';

const RATE_WINDOW_MS = 2000;
const LATENCY_SAMPLES = 120;

/** The `p`th percentile (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export class LiveStats {
  private readonly sourceTimes: number[] = [];
  private readonly sentTimes: number[] = [];
  private readonly latencies: number[] = [];
  /** Frames dropped after inference because a newer frame had already gone out. */
  private lateDrops = 0;
  totalSent = 0;
  totalSource = 0;

  constructor(
    /** Drops counted elsewhere (the frame slot). */
    private readonly slotDrops: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  sourceFrame(): void {
    this.totalSource++;
    this.push(this.sourceTimes, this.now());
  }

  /** A stylized frame went to the viewers; `latencyMs` is capture to send. */
  sent(latencyMs: number): void {
    this.totalSent++;
    this.push(this.sentTimes, this.now());
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
  }

  lateDrop(): void {
    this.lateDrops++;
  }

  get drops(): number {
    return this.slotDrops() + this.lateDrops;
  }

  snapshot(): StatsSnapshot {
    const round = (value: number): number => Math.round(value * 10) / 10;
    return {
      fps: round(this.rate(this.sentTimes)),
      sourceFps: round(this.rate(this.sourceTimes)),
      latencyMs: {
        p50: round(percentile(this.latencies, 50)),
        p95: round(percentile(this.latencies, 95)),
      },
      drops: this.drops,
    };
  }

  private push(times: number[], at: number): void {
    times.push(at);
    while (times.length > 0 && times[0]! <= at - RATE_WINDOW_MS) times.shift();
  }

  private rate(times: number[]): number {
    const now = this.now();
    while (times.length > 0 && times[0]! <= now - RATE_WINDOW_MS) times.shift();
    return (times.length * 1000) / RATE_WINDOW_MS;
  }
}
