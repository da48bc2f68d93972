import { describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/errors.js';
import { runLiveSource, type LiveSourceLoopOptions } from '../../src/live/live-source-loop.js';
import { RetryBudget } from '../../src/retry-budget.js';
import type { SourceStatus } from '../../src/live/live-types.js';
import type { Frame } from '../../src/types.js';

const frame = (index: number): Frame => ({
  index,
  ptsMs: index * 40,
  width: 2,
  height: 2,
  data: new Uint8Array(12),
});

/** One attempt's frames: `count` of them, then the end, or `error` thrown after them. */
async function* frames(count: number, signal: AbortSignal, error?: Error): AsyncGenerator<Frame> {
  for (let index = 0; index < count && !signal.aborted; index++) yield frame(index);
  if (error && !signal.aborted) throw error;
}

/** Runs the loop over scripted attempts; records what it told and handed on. */
async function loop(
  attempts: ((signal: AbortSignal) => AsyncIterable<Frame>)[],
  overrides: Partial<LiveSourceLoopOptions> = {},
) {
  const statuses: SourceStatus[] = [];
  const seen: number[] = [];
  let opened = 0;
  let ended = 0;
  const outcome = runLiveSource({
    label: 'camera',
    finite: false,
    budget: new RetryBudget(0),
    stallMs: 5000,
    signal: new AbortController().signal,
    open: async (signal) => {
      const attempt = attempts[opened++];
      if (!attempt) throw new StylecastError('SOURCE_FAILED', 'Cannot open camera: gone');
      return attempt(signal);
    },
    frame: (item) => {
      seen.push(item.index);
      return false;
    },
    attemptEnded: () => ended++,
    status: (status) => statuses.push(status),
    ...overrides,
  });
  const settled: { value?: 'ended' | 'stopped'; error?: StylecastError } = await outcome.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error as StylecastError }),
  );
  return { ...settled, statuses, seen, opened, ended };
}

describe('runLiveSource', () => {
  it('hands on every frame of a finite source and ends with it', async () => {
    const run = await loop([(signal) => frames(3, signal)], { finite: true });
    expect(run).toMatchObject({ value: 'ended', seen: [0, 1, 2], opened: 1, ended: 1 });
    expect(run.statuses).toEqual([]);
  });

  it('reopens a lost source with back-off, says so, and gives up with why when spent', async () => {
    const run = await loop(
      [(signal) => frames(2, signal), (signal) => frames(1, signal, new Error('connection reset'))],
      { budget: new RetryBudget(1, { firstDelayMs: 1 }) },
    );
    expect(run.seen).toEqual([0, 1, 0]);
    expect(run.statuses).toEqual([
      { state: 'retrying', attempt: 1, retryInMs: 1, message: 'camera ended' },
      { state: 'live' },
    ]);
    expect(run.error?.code).toBe('SOURCE_FAILED');
    expect(run.error?.message).toBe('Lost camera: connection reset');
  });

  it('reopens at once, with no failure, when a frame asks for it', async () => {
    let asked = false;
    const run = await loop([(signal) => frames(5, signal), (signal) => frames(2, signal)], {
      finite: true,
      frame: (item) => {
        if (asked || item.index < 1) return false;
        asked = true;
        return true; // after frame 1
      },
    });
    expect(run).toMatchObject({ value: 'ended', opened: 2, ended: 2 });
    expect(run.statuses).toEqual([]);
  });

  it('fails with why it could not be opened when it never opened', async () => {
    const startError = new StylecastError('SOURCE_FAILED', 'Cannot open camera: no device');
    const run = await loop([], { startError, budget: new RetryBudget(1, { firstDelayMs: 1 }) });
    expect(run.opened).toBe(1); // the retry
    expect(run.error?.message).toBe('Cannot open camera: gone');
    expect(run.statuses).toMatchObject([
      { state: 'retrying', message: 'Cannot open camera: no device' },
    ]);
  });

  it('ends the run at once when opening fails for another reason than the source', async () => {
    const run = await loop([], {
      budget: new RetryBudget(3, { firstDelayMs: 1 }),
      open: () => Promise.reject(new RangeError('bad size')),
    });
    expect(run.error).toBeInstanceOf(RangeError);
    expect(run.statuses).toEqual([]);
  });

  it('stops on its signal', async () => {
    const stopper = new AbortController();
    const run = await loop([(signal) => frames(100, signal)], {
      signal: stopper.signal,
      frame: (item) => {
        if (item.index === 2) stopper.abort();
        return false;
      },
    });
    expect(run).toMatchObject({ value: 'stopped', ended: 1 });
  });
});
