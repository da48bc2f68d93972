/**
 * How often a lost live source is reopened, and how long to wait before each attempt: `retries`
 * attempts, the wait doubling from the first delay up to a cap. A source that has streamed for a
 * good stretch since it last (re)connected earns its whole budget back, so a camera that drops
 * once an hour is never given up on. Pure: times are given, nothing waits here.
 */
export interface RetryBudgetOptions {
  /** Wait before the first retry; it doubles with each failed attempt. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A source streaming this long since it connected has its failure count reset. */
  healthyAfterMs?: number;
}

export class RetryBudget {
  private failed = 0;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly healthyAfterMs: number;

  constructor(
    readonly retries: number,
    options: RetryBudgetOptions = {},
  ) {
    if (!Number.isInteger(retries) || retries < 0) {
      throw new RangeError(
        `Expected \`retry\` to be a whole number of 0 or more, got \`${retries}\``,
      );
    }
    this.firstDelayMs = options.firstDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.healthyAfterMs = options.healthyAfterMs ?? 30_000;
  }

  /** Failed attempts since the source was last healthy (the attempt number of the last retry). */
  get failures(): number {
    return this.failed;
  }

  /** The source has delivered frames from `connectedMs` to `nowMs` without failing. */
  streaming(connectedMs: number, nowMs: number): void {
    if (nowMs - connectedMs > this.healthyAfterMs) this.failed = 0;
  }

  /** Takes one retry: the wait before it, ms, or `undefined` when none is left. */
  take(): number | undefined {
    if (this.failed >= this.retries) return undefined;
    this.failed++;
    return Math.min(this.firstDelayMs * 2 ** (this.failed - 1), this.maxDelayMs);
  }
}
