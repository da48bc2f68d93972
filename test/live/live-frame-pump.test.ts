import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFramePump, type LiveFramePumpOptions } from '../../src/live/live-frame-pump.js';
import { LiveFrameSlot } from '../../src/live/live-frame-slot.js';
import { LiveStats } from '../../src/live/live-stats.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import type { Frame, StyleSettings } from '../../src/types.js';
import { openTinyPool, paintingStyle } from '../helpers/tiny-model.js';

let tiny: Stylizer;
let style: StyleSettings;

beforeAll(async () => {
  const opened = await openTinyPool({ workers: 2 });
  tiny = opened.stylizer;
  style = await paintingStyle(opened.styles);
});

afterAll(() => tiny?.close());

const frame = (index: number): Frame => ({
  index,
  ptsMs: 0,
  width: 32,
  height: 24,
  data: new Uint8Array(32 * 24 * 3).fill(100 + index),
});

/**
 * The real two-worker stylizer, with each frame's result held until the test lets it go: the
 * order results arrive in is the test's to choose.
 */
function gatedStylizer(stylizer: Stylizer) {
  const gates = new Map<number, () => void>();
  const waiting = new Map<number, Promise<void>>();
  const gate = (index: number): Promise<void> => {
    if (!waiting.has(index)) waiting.set(index, new Promise((open) => gates.set(index, open)));
    return waiting.get(index)!;
  };
  const started: number[] = [];
  const starts = new Map<number, () => void>();
  return {
    started,
    /** Resolves when frame `index` reaches the stylizer. */
    reached: (index: number) => new Promise<void>((resolve) => starts.set(index, resolve)),
    release(index: number): void {
      void gate(index);
      gates.get(index)!();
    },
    stylizer: {
      ...stylizer,
      async stylize(frames: Frame[], settings: StyleSettings[]): Promise<Frame[]> {
        const input = frames[0]!;
        started.push(input.index);
        starts.get(input.index)?.();
        const output = await stylizer.stylize(frames, settings);
        await gate(input.index);
        return output;
      },
    } satisfies Stylizer,
  };
}

/** A pump whose deliveries are recorded; `sentCount(n)` resolves once `n` have gone out. */
function pumpWith(stylizer: Stylizer, overrides: Partial<LiveFramePumpOptions> = {}) {
  const slot = new LiveFrameSlot<{ frame: Frame; captureMs: number }>();
  const stats = new LiveStats(() => slot.dropped);
  const sent: { index: number; tagged: number; width: number }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const failures: unknown[] = [];
  const stopper = new AbortController();
  const pump = new LiveFramePump({
    stylizer,
    slot,
    stats,
    styleFor: () => style,
    wanted: () => true,
    deliver: async (output, tag) => {
      sent.push({ index: output.index, tagged: tag.index, width: output.width });
      for (const waiter of waiters) if (sent.length >= waiter.count) waiter.resolve();
    },
    signal: stopper.signal,
    fail: (error) => failures.push(error),
    ...overrides,
  });
  const sentCount = (count: number) =>
    new Promise<void>((resolve) => {
      if (sent.length >= count) resolve();
      else waiters.push({ count, resolve });
    });
  return { pump, slot, stats, sent, failures, sentCount };
}

const put = (pump: LiveFramePump, index: number) =>
  pump.put({ frame: frame(index), captureMs: Date.now() });

describe('LiveFramePump', () => {
  it('stylizes up to one frame per worker; the newest waiting frame wins, older ones drop', async () => {
    const gated = gatedStylizer(tiny);
    const { pump, slot, sent, stats, sentCount } = pumpWith(gated.stylizer);
    put(pump, 0);
    put(pump, 1);
    put(pump, 2); // both workers busy: waits
    put(pump, 3); // replaces 2
    expect(gated.started).toEqual([0, 1]);
    expect(slot.dropped).toBe(1);
    const third = gated.reached(3);
    gated.release(0);
    await third; // the worker freed by frame 0 takes the newest waiting frame
    gated.release(1);
    await sentCount(2);
    gated.release(3);
    await pump.drain(5000);
    expect(gated.started).toEqual([0, 1, 3]);
    expect(sent).toEqual([
      { index: 0, tagged: 0, width: 32 },
      { index: 1, tagged: 1, width: 32 },
      { index: 3, tagged: 3, width: 32 },
    ]);
    expect(stats.drops).toBe(1);
  });

  it('drops a frame that finishes after a newer one went out, rather than show it late', async () => {
    const gated = gatedStylizer(tiny);
    const { pump, sent, sentCount, stats } = pumpWith(gated.stylizer);
    put(pump, 0);
    put(pump, 1);
    gated.release(1);
    await sentCount(1);
    gated.release(0);
    await pump.drain(5000);
    expect(sent.map((item) => item.index)).toEqual([1]);
    expect(stats.drops).toBe(1);
  });

  it('times how long each stylized frame holds its place, up to delivery or its late drop', async () => {
    const gated = gatedStylizer(tiny);
    const timed: { index: number; ms: number; sentBefore: number }[] = [];
    const { pump, sent, sentCount } = pumpWith(gated.stylizer, {
      timed: (ms, output) => timed.push({ index: output.index, ms, sentBefore: sent.length }),
    });
    put(pump, 0);
    put(pump, 1);
    gated.release(1);
    await sentCount(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    gated.release(0); // after frame 1 went out: dropped late, but it held its place till then
    await pump.drain(5000);
    expect(sent.map((item) => item.index)).toEqual([1]);
    expect(timed.map(({ index, sentBefore }) => ({ index, sentBefore }))).toEqual([
      { index: 1, sentBefore: 1 }, // timed once delivered, encoding included
      { index: 0, sentBefore: 1 },
    ]);
    expect(timed[1]!.ms).toBeGreaterThanOrEqual(60);
  });

  it('spends nothing on frames no one would see', async () => {
    const gated = gatedStylizer(tiny);
    const { pump, sent, slot } = pumpWith(gated.stylizer, { wanted: () => false });
    put(pump, 0);
    put(pump, 1);
    await pump.drain(5000);
    expect(gated.started).toEqual([]);
    expect(sent).toEqual([]);
    expect(slot.full).toBe(false);
  });

  it('sends frames unstyled when there is no style, without inference', async () => {
    const gated = gatedStylizer(tiny);
    const { pump, sent, sentCount } = pumpWith(gated.stylizer, { styleFor: () => null });
    put(pump, 0);
    await sentCount(1);
    expect(gated.started).toEqual([]);
    expect(sent.map((item) => item.index)).toEqual([0]);
  });

  it('skips a frame whose inference fails, and fails the run after five in a row', async () => {
    let failing = true;
    const flaky: Stylizer = {
      ...tiny,
      concurrency: 1,
      async stylize(frames, settings) {
        if (failing) throw new Error(`worker crashed on frame ${frames[0]!.index}`);
        return tiny.stylize(frames, settings);
      },
    };
    const { pump, sent, failures } = pumpWith(flaky);
    for (let index = 0; index < 4; index++) {
      put(pump, index);
      await pump.drain(5000);
    }
    expect(failures).toEqual([]);
    failing = false;
    put(pump, 4); // a good frame resets the count
    await pump.drain(5000);
    expect(sent.map((item) => item.index)).toEqual([4]);
    failing = true;
    for (let index = 5; index < 10; index++) {
      put(pump, index);
      await pump.drain(5000);
    }
    expect(failures.map((error) => (error as Error).message)).toEqual([
      'worker crashed on frame 9',
    ]);
  });
});
