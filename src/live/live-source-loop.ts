/**
 * A live source kept open: each attempt opens it and hands its frames on as they arrive; when it
 * ends, fails or stalls, viewers are told and it is reopened after the `RetryBudget`'s back-off,
 * until the budget is spent. An attempt can also end by request (a new working size): the source
 * is then reopened at once, and that is no failure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText, isAbortError, StylecastError } from '../errors.js';
import type { SourceStatus } from './live-types.js';
import type { Frame } from '../types.js';
import type { RetryBudget } from '../retry-budget.js';

export interface LiveSourceLoopOptions {
  /** The source as messages name it (`testsrc`, `/dev/video0` …). */
  label: string;
  /** A source whose end is the end of the run (a file played once), not a loss. */
  finite: boolean;
  budget: RetryBudget;
  /** A source that delivers no frame for this long is treated as lost. */
  stallMs: number;
  signal: AbortSignal;
  /** Why the source could not be opened before the loop started: the first attempt fails so. */
  startError?: unknown;
  /**
   * Opens the source for one attempt, resolving with its frames (they stop when it ends or
   * `signal` aborts). Rejecting with `SOURCE_FAILED` fails the attempt; any other rejection ends
   * the run.
   */
  open(signal: AbortSignal): Promise<AsyncIterable<Frame>>;
  /** Each frame as it arrives; returning `true` ends the attempt to reopen the source at once. */
  frame(frame: Frame, captureMs: number): boolean;
  /** After each attempt, before anything else (frames still waiting are stale now). */
  attemptEnded(): void;
  status(status: SourceStatus): void;
}

const isUnopened = (error: unknown): boolean =>
  error instanceof StylecastError && error.code === 'SOURCE_FAILED';

/**
 * Runs until the source ends for good (`ended`) or `signal` aborts (`stopped`); rejects when it
 * is lost with no retry left (`SOURCE_FAILED`, or why it never opened).
 */
export async function runLiveSource(options: LiveSourceLoopOptions): Promise<'ended' | 'stopped'> {
  const { label, budget, stallMs, signal } = options;
  let opened = options.startError === undefined;
  let failedEarly = options.startError;
  for (;;) {
    const attempt = new AbortController();
    const attemptSignal = AbortSignal.any([signal, attempt.signal]);
    let stalled = false;
    let restart = false;
    let connectedAt: number | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const armWatchdog = (ms: number): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        attempt.abort();
      }, ms);
    };
    let error: unknown = failedEarly;
    failedEarly = undefined;
    let frames: AsyncIterable<Frame> | undefined;
    if (error === undefined) {
      try {
        frames = await options.open(attemptSignal);
        opened = true;
      } catch (caught) {
        if (!isUnopened(caught)) throw caught;
        error = caught;
      }
    }
    armWatchdog(Math.max(stallMs, 10_000)); // opening a network stream can take a while
    try {
      if (error !== undefined) throw error;
      for await (const frame of frames!) {
        const captureMs = Date.now();
        if (connectedAt === undefined) {
          connectedAt = captureMs;
          if (budget.failures > 0) options.status({ state: 'live' });
        } else if (budget.failures > 0) {
          budget.streaming(connectedAt, captureMs);
        }
        armWatchdog(stallMs);
        if (options.frame(frame, captureMs)) {
          restart = true;
          attempt.abort();
        }
      }
    } catch (caught) {
      error = caught;
    } finally {
      clearTimeout(watchdog);
    }
    options.attemptEnded();
    if (signal.aborted) return 'stopped';
    if (restart) continue; // not a failure: the caller reopens it at the new working size
    const failed = stalled || error !== undefined;
    if (!failed && options.finite) return 'ended';
    const message = stalled
      ? `no frames for ${Math.round(stallMs / 1000)} s`
      : failed && !isAbortError(error)
        ? errorText(error)
        : `${label} ended`;
    const delay = budget.take();
    if (delay === undefined) {
      if (!failed) return 'ended';
      // A source that never opened fails with why it could not be opened.
      if (!opened) throw error;
      throw new StylecastError('SOURCE_FAILED', `Lost ${label}: ${message}`, { cause: error });
    }
    options.status({ state: 'retrying', attempt: budget.failures, retryInMs: delay, message });
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return 'stopped';
    }
  }
}
