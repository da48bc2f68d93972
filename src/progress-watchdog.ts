/**
 * A stage that stops making progress fails the run instead of stalling it forever: every wait on
 * a stage (a frame from the decoder, a write to the encoder, a batch from an inference worker) is
 * watched, and one that sees no progress for the limit stops the run with a line naming the stage.
 */
import { StylecastError } from './errors.js';
import { parseDecimal } from './style-values.js';

/** Far beyond any healthy wait (a 4K frame through a slow model, a slow preset's final flush). */
const DEFAULT_LIMIT_MS = 60_000;
const LIMIT_ENV = 'STYLECAST_STALL_SECONDS';

/** The limit: `STYLECAST_STALL_SECONDS` when set (tests shorten it), else 60 s. */
export function defaultStallMs(): number {
  const text = process.env[LIMIT_ENV];
  if (text === undefined || text === '') return DEFAULT_LIMIT_MS;
  const seconds = parseDecimal(text);
  if (!(seconds > 0 && seconds <= 86_400)) {
    throw new StylecastError(
      'BAD_OPTION',
      `Expected ${LIMIT_ENV} to be a number of seconds above 0 and at most 86400, got \`${text}\``,
    );
  }
  return seconds * 1000;
}

export class ProgressWatchdog {
  /** Watches nothing: for callers that set no limit. */
  static readonly off = new ProgressWatchdog(Infinity, () => {});

  /**
   * @param onStall called once, with the error, at the first stall: where other stages run
   *   beside the stalled one (a render), it stops them — aborts the run's signal — so that
   *   nothing waits on it; a single stage (an image) needs nothing more than the watch's error.
   */
  constructor(
    readonly limitMs: number,
    private readonly onStall: (error: StylecastError) => void,
  ) {}

  private stalled: StylecastError | null = null;

  /**
   * Waits for `work`. It fails with a `STALLED` error naming `stage()` (read at that moment, so it
   * can say the frame) when it takes longer than the limit, counted from the last change of
   * `progress()` where one is given (a file that grows while an encoder flushes).
   */
  async watch<T>(stage: () => string, work: Promise<T>, progress?: () => unknown): Promise<T> {
    if (this.stalled) throw this.stalled;
    if (this.limitMs === Infinity) return work;
    let timer: NodeJS.Timeout | undefined;
    let last = progress?.();
    let since = Date.now();
    const stall = new Promise<never>((_, reject) => {
      const tick = Math.min(1000, this.limitMs / 4);
      timer = setInterval(() => {
        const now = progress?.();
        if (now !== last) [last, since] = [now, Date.now()];
        if (Date.now() - since < this.limitMs) return;
        const limit =
          this.limitMs < 1000 ? `${this.limitMs} ms` : `${Math.round(this.limitMs / 100) / 10} s`;
        if (!this.stalled) {
          this.stalled = new StylecastError(
            'STALLED',
            `No progress for ${limit} from ${stage()}; stopped`,
          );
          this.onStall(this.stalled);
        }
        reject(this.stalled);
      }, tick);
    });
    try {
      return await Promise.race([work, stall]);
    } finally {
      clearInterval(timer);
    }
  }
}

/** `frames`, each one waited for under `watchdog`; `stage` is told how many came before. */
export async function* watchedFrames<T>(
  frames: AsyncIterable<T>,
  watchdog: ProgressWatchdog,
  stage: (delivered: number) => string,
): AsyncGenerator<T> {
  const iterator = frames[Symbol.asyncIterator]();
  try {
    for (let delivered = 0; ; delivered++) {
      const next = await watchdog.watch(() => stage(delivered), iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
