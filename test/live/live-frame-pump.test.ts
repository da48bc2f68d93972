import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stylized } from '../../src/live/encoding-lane.js';
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
  const encodingSlot = new LiveFrameSlot<Stylized>();
  const stats = new LiveStats(() => slot.dropped + encodingSlot.dropped);
  const sent: { index: number; tagged: number; width: number }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const failures: unknown[] = [];
  const stopper = new AbortController();
  const pump = new LiveFramePump({
    stylizer,
    slot,
    encodingSlot,
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
  return { pump, slot, encodingSlot, stats, sent, failures, sentCount };
}

/** Deliveries held until the test lets each go: the encoders' pace is the test's to choose. */
class DeliveryGate {
  readonly started: number[] = [];
  readonly done: number[] = [];
  private readonly gates = new Map<number, () => void>();
  private readonly arrivals = new Map<number, () => void>();

  readonly deliver = async (output: Frame): Promise<void> => {
    this.started.push(output.index);
    const opened = new Promise<void>((open) => this.gates.set(output.index, open));
    this.arrivals.get(output.index)?.();
    await opened;
    this.done.push(output.index);
  };

  /** Resolves once frame `index` is being delivered. */
  reached(index: number): Promise<void> {
    if (this.gates.has(index)) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.set(index, resolve));
  }

  release(index: number): void {
    this.gates.get(index)!();
  }
}

/** Resolves once `condition` holds (the pump moves on through worker replies, not at once). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
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

  it('frees a worker when its inference ends: the next frame is stylized while one encodes', async () => {
    const gated = gatedStylizer(tiny);
    const encoders = new DeliveryGate();
    const { pump, encodingSlot } = pumpWith(gated.stylizer, { deliver: encoders.deliver });
    put(pump, 0);
    gated.release(0);
    await encoders.reached(0); // frame 0 is being encoded, its worker free
    put(pump, 1);
    put(pump, 2);
    await until(() => gated.started.length === 3);
    expect(gated.started).toEqual([0, 1, 2]); // both workers stylize while frame 0 encodes
    gated.release(1);
    await encoders.reached(1); // in the encoders beside frame 0
    gated.release(2);
    await until(() => encodingSlot.full); // waiting for one of them
    encoders.release(0);
    await encoders.reached(2);
    encoders.release(1);
    encoders.release(2);
    await pump.drain(5000);
    expect(encoders.done).toEqual([0, 1, 2]);
  });

  it('encodes two frames at once, in frame order; one waits, the newest wins, drops counted', async () => {
    const gated = gatedStylizer(tiny);
    const encoders = new DeliveryGate();
    const { pump, stats, encodingSlot } = pumpWith(gated.stylizer, { deliver: encoders.deliver });
    for (const index of [0, 1]) {
      put(pump, index);
      gated.release(index);
      await encoders.reached(index);
    }
    put(pump, 2);
    put(pump, 3);
    gated.release(3); // 3 enters the lane first and waits (two frames are in the encoders) …
    await until(() => encodingSlot.full);
    gated.release(2); // … so 2, older, is dropped late rather than sent after it
    await until(() => stats.drops === 1);
    put(pump, 4);
    gated.release(4); // 4 replaces 3, still waiting
    await until(() => encodingSlot.dropped === 1);
    expect(encoders.started).toEqual([0, 1]);
    encoders.release(0);
    await encoders.reached(4);
    encoders.release(1);
    encoders.release(4);
    await pump.drain(5000);
    expect(encoders.started).toEqual([0, 1, 4]);
    expect(encoders.done).toEqual([0, 1, 4]);
    expect(stats.drops).toBe(2);
  });

  it("times a frame's inference and its encoding apart", async () => {
    const gated = gatedStylizer(tiny);
    const encoders = new DeliveryGate();
    const times: string[] = [];
    const { pump } = pumpWith(gated.stylizer, {
      deliver: encoders.deliver,
      timed: (ms, output) => times.push(`inference ${output.index}`),
      encoded: (ms, output) => times.push(`encoding ${output.index} ${ms >= 50}`),
    });
    put(pump, 0);
    gated.release(0);
    await encoders.reached(0);
    expect(times).toEqual(['inference 0']); // timed as soon as its worker is free
    await new Promise((resolve) => setTimeout(resolve, 60));
    encoders.release(0);
    await pump.drain(5000);
    expect(times).toEqual(['inference 0', 'encoding 0 true']);
  });

  it("counts the lane's busy time once, however many frames overlap in it", async () => {
    const gated = gatedStylizer(tiny);
    const encoders = new DeliveryGate();
    const encodingMs: number[] = [];
    const { pump } = pumpWith(gated.stylizer, {
      deliver: encoders.deliver,
      encoded: (ms) => encodingMs.push(ms),
    });
    const startedMs = performance.now();
    for (const index of [0, 1]) {
      put(pump, index);
      gated.release(index);
      await encoders.reached(index);
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    encoders.release(0);
    await until(() => encodingMs.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    encoders.release(1);
    await pump.drain(5000);
    const busyMs = performance.now() - startedMs;
    // Frame 1 counts only the time after frame 0 went out: together, the lane's busy time.
    expect(encodingMs[1]!).toBeGreaterThanOrEqual(55);
    expect(encodingMs[0]! + encodingMs[1]!).toBeLessThanOrEqual(busyMs);
  });

  it('drain waits for the frames still encoding or waiting for the encoders', async () => {
    const gated = gatedStylizer(tiny);
    const encoders = new DeliveryGate();
    const { pump, encodingSlot } = pumpWith(gated.stylizer, { deliver: encoders.deliver });
    for (const index of [0, 1]) {
      put(pump, index);
      gated.release(index);
      await encoders.reached(index);
    }
    put(pump, 2);
    gated.release(2);
    await until(() => encodingSlot.full); // two frames in the encoders, one waiting
    const drained = pump.drain(5000).then(() => [...encoders.done]);
    for (const index of [0, 1, 2]) {
      await encoders.reached(index);
      encoders.release(index);
    }
    expect(await drained).toEqual([0, 1, 2]);
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
