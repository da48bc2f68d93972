import { describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/errors.js';
import { parseSchedule } from '../../src/schedule/parse-schedule.js';
import type { Schedule } from '../../src/schedule/schedule.js';
import {
  createTimeline,
  ease,
  type Timeline,
  type TimelineState,
} from '../../src/schedule/timeline.js';

function schedule(document: unknown): Schedule {
  const result = parseSchedule(JSON.stringify(document), { path: '/s/schedule.json' });
  expect(result.problems).toEqual([]);
  return result.schedule!;
}

/** The example: wave, a 0.7/0.3 blend at alpha 0.8, then unstyled. */
const EXAMPLE = {
  transition: 0.5,
  segments: [
    { start: '0:00', end: '0:04.5', style: 'wave.jpg' },
    {
      start: 4.5,
      end: 9,
      style: [
        { image: 'a.jpg', weight: 0.7 },
        { image: 'b.jpg', weight: 0.3 },
      ],
      alpha: 0.8,
    },
    { start: 9, end: 12, style: null },
  ],
};

const weightsOf = (state: TimelineState | null) => (state ? [...state.weights] : null);
const alphaOf = (state: TimelineState | null) => (state ? [...state.alpha] : null);

/** Times from `fromMs` to `toMs` in `steps` equal steps. */
function times(fromMs: number, toMs: number, steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => fromMs + ((toMs - fromMs) * i) / steps);
}

function expectNonDecreasing(values: number[], label: string): void {
  values.forEach((value, i) => {
    if (i > 0) expect(value, `${label} at step ${i}`).toBeGreaterThanOrEqual(values[i - 1]! - 1e-7);
  });
}

function expectNonIncreasing(values: number[], label: string): void {
  expectNonDecreasing(
    values.map((v) => -v),
    label,
  );
}

describe('ease', () => {
  it('is a monotonic smoothstep from 0 to 1, symmetric about the middle', () => {
    expect(ease(0)).toBe(0);
    expect(ease(1)).toBe(1);
    expect(ease(0.5)).toBe(0.5);
    expect(ease(-1)).toBe(0);
    expect(ease(2)).toBe(1);
    expectNonDecreasing(times(0, 1, 200).map(ease), 'ease');
    expect(ease(0.2) + ease(0.8)).toBeCloseTo(1, 12);
  });
});

describe('createTimeline: inside segments', () => {
  const timeline = createTimeline(schedule(EXAMPLE), 3);

  it('shows exactly each segment’s style inside it, as one shared object', () => {
    const wave = timeline.stateAt(1000);
    expect(weightsOf(wave)).toEqual([1, 0, 0]);
    expect(alphaOf(wave)).toEqual([1, 1, 1]);
    expect(wave!.preserveColor).toBe(false);
    for (const t of times(0, 4249, 100)) expect(timeline.stateAt(t)).toBe(wave);

    const blend = timeline.stateAt(6000);
    expect(weightsOf(blend)).toEqual([0, 0.7, 0.3]);
    expect(alphaOf(blend)).toEqual([0.8, 0.8, 0.8].map(Math.fround));
    for (const t of times(4750, 8749, 100)) expect(timeline.stateAt(t)).toBe(blend);

    for (const t of times(9250, 30_000, 100)) expect(timeline.stateAt(t)).toBeNull();
  });

  it('treats times before 0 as the start', () => {
    expect(timeline.stateAt(-40)).toBe(timeline.stateAt(0));
  });

  it('lists the transition windows', () => {
    expect(timeline.transitions).toEqual([
      { kind: 'blend', atMs: 4500, startMs: 4250, endMs: 4750, from: 0, to: 1, wrap: false },
      { kind: 'fade-out', atMs: 9000, startMs: 8750, endMs: 9250, from: 1, to: 2, wrap: false },
    ]);
    expect(timeline.periodMs).toBeUndefined();
    expect(timeline.levels).toBe(3);
  });

  it('broadcasts one alpha to every level and keeps per-level alphas', () => {
    const t = createTimeline(
      schedule({ segments: [{ start: 0, end: 2, style: 'a.jpg', alpha: [1, 0.5, 0.25, 0] }] }),
      4,
    );
    expect(alphaOf(t.stateAt(500))).toEqual([1, 0.5, 0.25, 0]);
  });

  it('rejects per-level alphas that do not match the model’s levels', () => {
    const s = schedule({ segments: [{ start: 0, end: 2, style: 'a.jpg', alpha: [1, 0.5] }] });
    expect(() => createTimeline(s, 3)).toThrow(StylecastError);
    expect(() => createTimeline(s, 3)).toThrow(
      'segments[0].alpha: has 2 values but the model has 3 levels',
    );
  });

  it('rejects a levels count that is not a whole number from 1', () => {
    const s = schedule(EXAMPLE);
    expect(() => createTimeline(s, 0)).toThrow(RangeError);
    expect(() => createTimeline(s, 1.5)).toThrow(
      'Expected `levels` to be a whole number from 1, got `1.5`',
    );
  });
});

describe('createTimeline: transitions', () => {
  it('blends weights and alpha monotonically, centred on the boundary', () => {
    const timeline = createTimeline(schedule(EXAMPLE), 2);
    const window = times(4250, 4750, 200);
    const states = window.map((t) => timeline.stateAt(t)!);
    expectNonIncreasing(
      states.map((s) => s.weights[0]!),
      'wave weight',
    );
    expectNonDecreasing(
      states.map((s) => s.weights[1]!),
      'a weight',
    );
    expectNonDecreasing(
      states.map((s) => s.weights[2]!),
      'b weight',
    );
    expectNonIncreasing(
      states.map((s) => s.alpha[0]!),
      'alpha',
    );
    for (const s of states) {
      expect(s.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(s.preserveColor).toBe(false);
    }
    const middle = timeline.stateAt(4500)!;
    expect(middle.weights[0]).toBeCloseTo(0.5, 4);
    expect(middle.weights[1]).toBeCloseTo(0.35, 4);
    expect(middle.alpha[0]).toBeCloseTo(0.9, 4);
    // The window's edges meet the segments' own states without a jump.
    expect(weightsOf(timeline.stateAt(4250))).toEqual([1, 0, 0]);
    expect(weightsOf(timeline.stateAt(4749.99))!.map((w) => +w.toFixed(5))).toEqual([0, 0.7, 0.3]);
  });

  it('fades out into an unstyled segment: weights stay, alpha falls, original pixels once it reaches 0', () => {
    const timeline = createTimeline(schedule(EXAMPLE), 1);
    const blend = timeline.stateAt(6000)!;
    const fading = times(8750, 9249.9, 200).map((t) => timeline.stateAt(t));
    for (const s of fading) {
      expect(s).not.toBeNull();
      expect(s!.weights).toBe(blend.weights);
      expect(s!.alpha[0]).toBeGreaterThan(0);
    }
    expectNonIncreasing(
      fading.map((s) => s!.alpha[0]!),
      'alpha',
    );
    expect(timeline.stateAt(9000)!.alpha[0]).toBeCloseTo(0.4, 5);
    expect(timeline.stateAt(9250)).toBeNull();
  });

  it('fades in from an unstyled segment and from a gap', () => {
    const timeline = createTimeline(
      schedule({
        transition: 1,
        segments: [
          { start: 0, end: 4, style: null },
          { start: 4, end: 8, style: 'a.jpg', alpha: 0.5 },
          { start: 10, end: 14, style: 'b.jpg' },
        ],
      }),
      1,
    );
    expect(timeline.transitions.map((t) => [t.kind, t.startMs, t.endMs, t.from, t.to])).toEqual([
      ['fade-in', 3500, 4500, 0, 1],
      ['fade-out', 7500, 8500, 1, null],
      ['fade-in', 9500, 10_500, null, 2],
      ['fade-out', 13_500, 14_500, 2, null],
    ]);
    expect(timeline.stateAt(3500)).toBeNull(); // alpha 0: still the original pixels
    const fadeIn = times(3500.1, 4500, 100).map((t) => timeline.stateAt(t)!);
    expectNonDecreasing(
      fadeIn.map((s) => s.alpha[0]!),
      'alpha',
    );
    expect(fadeIn[0]!.alpha[0]).toBeGreaterThan(0);
    expect(timeline.stateAt(4000)!.alpha[0]).toBeCloseTo(0.25, 6);
    expect(timeline.stateAt(9000)).toBeNull(); // the middle of the gap
    expect(timeline.stateAt(10_000)!.alpha[0]).toBeCloseTo(0.5, 6);
    expect(timeline.stateAt(14_500)).toBeNull();
  });

  it('fades in at the start of a schedule whose first segment starts late', () => {
    const timeline = createTimeline(
      schedule({ transition: 0.4, segments: [{ start: 2, end: 4, style: 'a.jpg' }] }),
      1,
    );
    expect(timeline.stateAt(0)).toBeNull();
    expect(timeline.stateAt(1799)).toBeNull();
    expect(timeline.stateAt(2000)!.alpha[0]).toBeCloseTo(0.5, 6);
  });

  it('never fades at the very start of a segment that starts at 0', () => {
    const timeline = createTimeline(schedule(EXAMPLE), 1);
    expect(alphaOf(timeline.stateAt(0))).toEqual([1]);
  });

  it('fades through alpha 0 where preserveColor changes, switching it at the boundary', () => {
    const timeline = createTimeline(
      schedule({
        transition: 1,
        segments: [
          { start: 0, end: 5, style: 'a.jpg' },
          { start: 5, end: 10, style: 'b.jpg', preserveColor: true, alpha: 0.6 },
        ],
      }),
      1,
    );
    expect(timeline.transitions[0]).toMatchObject({
      kind: 'fade-through',
      startMs: 4500,
      endMs: 5500,
    });
    const out = times(4500, 4999, 100).map((t) => timeline.stateAt(t)!);
    const back = times(5000, 5499, 100).map((t) => timeline.stateAt(t)!);
    expectNonIncreasing(
      out.map((s) => s.alpha[0]!),
      'alpha out',
    );
    expectNonDecreasing(
      back.map((s) => s.alpha[0]!),
      'alpha back',
    );
    for (const s of out) expect([...s.weights, s.preserveColor]).toEqual([1, 0, false]);
    for (const s of back) expect([...s.weights, s.preserveColor]).toEqual([0, 1, true]);
    expect(timeline.stateAt(5000)!.alpha[0]).toBe(0);
    expect(timeline.stateAt(4999.999)!.alpha[0]).toBeCloseTo(0, 5);
  });

  it('uses the incoming segment’s transition, and the outgoing one’s into a gap', () => {
    const timeline = createTimeline(
      schedule({
        transition: 1,
        segments: [
          { start: 0, end: 5, style: 'a.jpg', transition: 3 },
          { start: 5, end: 10, style: 'b.jpg', transition: 0.2 },
          { start: 10, end: 15, style: null },
          { start: 15, end: 20, style: 'a.jpg', transition: 2 },
        ],
      }),
      1,
    );
    expect(timeline.transitions.map((t) => [t.kind, t.startMs, t.endMs])).toEqual([
      ['blend', 4900, 5100],
      ['fade-out', 9500, 10_500],
      ['fade-in', 14_000, 16_000],
      ['fade-out', 19_000, 21_000],
    ]);
  });

  it('handles segments shorter than the transition: windows shrink to half of each part', () => {
    const timeline = createTimeline(
      schedule({
        transition: 2,
        segments: [
          { start: 0, end: 5, style: 'a.jpg' },
          { start: 5, end: 5.2, style: 'b.jpg' },
          { start: 5.2, end: 10, style: 'c.jpg' },
        ],
      }),
      1,
    );
    expect(timeline.transitions.map((t) => [t.startMs, t.endMs])).toEqual([
      [4900, 5100],
      [5100, 5300],
      [9000, 11_000],
    ]);
    // b rises to full strength exactly at the middle of its segment, then falls.
    const bWeights = times(4800, 5400, 600).map((t) => timeline.stateAt(t)!.weights[1]!);
    const peak = bWeights.indexOf(Math.max(...bWeights));
    expect(weightsOf(timeline.stateAt(5100))).toEqual([0, 1, 0]);
    expectNonDecreasing(bWeights.slice(0, peak + 1), 'b rising');
    expectNonIncreasing(bWeights.slice(peak), 'b falling');
    expect(bWeights[0]).toBe(0);
    expect(bWeights[bWeights.length - 1]).toBe(0);
  });

  it('cuts on the boundary with a transition of 0', () => {
    const timeline = createTimeline(
      schedule({
        transition: 0,
        segments: [
          { start: 0, end: 1, style: 'a.jpg' },
          { start: 1, end: 2, style: 'b.jpg' },
          { start: 2, end: 3, style: null },
        ],
      }),
      1,
    );
    expect(timeline.transitions).toEqual([]);
    expect(weightsOf(timeline.stateAt(999.9))).toEqual([1, 0]);
    expect(weightsOf(timeline.stateAt(1000))).toEqual([0, 1]);
    expect(timeline.stateAt(1999.9)).not.toBeNull();
    expect(timeline.stateAt(2000)).toBeNull();
  });

  it('changes smoothly everywhere: no jump between close samples', () => {
    const timeline = createTimeline(
      schedule({
        transition: 0.5,
        segments: [
          { start: 0, end: 2, style: 'a.jpg' },
          {
            start: 2,
            end: 2.3,
            style: [{ image: 'a.jpg' }, { image: 'b.jpg', weight: 3 }],
            alpha: 0.4,
          },
          { start: 2.3, end: 4, style: null },
          { start: 4.1, end: 6, style: 'b.jpg', preserveColor: true },
          { start: 6, end: 8, style: 'a.jpg' },
        ],
      }),
      2,
    );
    const jumps: string[] = [];
    let previous = timeline.stateAt(0);
    for (const t of times(0, 9000, 90_000)) {
      const state = timeline.stateAt(t);
      const now = state ? [...state.weights, ...state.alpha.map((a) => a * 4)] : null;
      const before = previous ? [...previous.weights, ...previous.alpha.map((a) => a * 4)] : null;
      if (now && before && state!.preserveColor === previous!.preserveColor) {
        // Weights may only jump where alpha is 0 (a fade-through's switch).
        const alphaNearZero = state!.alpha[0]! < 1e-3;
        now.forEach((v, i) => {
          if ((!alphaNearZero || i >= state!.weights.length) && Math.abs(v - before[i]!) >= 0.01) {
            jumps.push(`value ${i} at ${t} ms`);
          }
        });
      } else if (now || before) {
        // Switching between styled and unstyled happens only at alpha ≈ 0.
        if ((state ?? previous)!.alpha[0]! >= 1e-3) jumps.push(`switch at ${t} ms`);
      }
      previous = state;
    }
    expect(jumps).toEqual([]);
  });
});

/** The frame index of the first frame whose time is at or after `boundaryMs`. */
function firstFrameAtOrAfter(
  frameTimes: readonly number[],
  timeline: Timeline,
  boundary: (s: TimelineState | null) => boolean,
): number {
  return frameTimes.findIndex((t) => boundary(timeline.stateAt(t)));
}

describe('createTimeline: boundaries land on the right frame', () => {
  // Cuts (transition 0) at 4.5 s (styled a → b), 9 s (→ unstyled) and 10.01 s (→ c).
  const timeline = createTimeline(
    schedule({
      transition: 0,
      segments: [
        { start: 0, end: 4.5, style: 'a.jpg' },
        { start: '0:04.5', end: 9, style: 'b.jpg' },
        { start: 9, end: 10.01, style: null },
        { start: 10.01, end: 20, style: 'c.jpg' },
      ],
    }),
    1,
  );
  const isB = (s: TimelineState | null) => s !== null && s.weights[1] === 1;
  const isUnstyled = (s: TimelineState | null) => s === null;
  const isC = (s: TimelineState | null) => s !== null && s.weights[2] === 1;

  /** The exact first frame index at or after `ms` for a rate of `num / den` fps. */
  const expected = (ms: number, num: number, den: number) =>
    Math.ceil((ms * num) / (1000 * den) - 1e-9);

  const rates: [string, number, number][] = [
    ['24', 24, 1],
    ['25', 25, 1],
    ['29.97 (30000/1001)', 30_000, 1001],
    ['30', 30, 1],
    ['60', 60, 1],
  ];
  for (const [label, num, den] of rates) {
    it(`at ${label} fps, with frame times as the decoder computes them`, () => {
      const fps = num / den;
      const frameCount = Math.ceil(fps * 12);
      // The decoder's formula (index * 1000 / fps), and a sloppier one that rounds differently.
      for (const ptsMs of [(i: number) => (i * 1000) / fps, (i: number) => i * (1000 / fps)]) {
        const frameTimes = Array.from({ length: frameCount }, (_, i) => ptsMs(i));
        expect(firstFrameAtOrAfter(frameTimes, timeline, isB)).toBe(expected(4500, num, den));
        expect(firstFrameAtOrAfter(frameTimes, timeline, isUnstyled)).toBe(
          expected(9000, num, den),
        );
        expect(firstFrameAtOrAfter(frameTimes, timeline, isC)).toBe(expected(10_010, num, den));
      }
    });
  }

  it('at 24 fps, a boundary exactly on a frame belongs to the segment that starts there', () => {
    // 4.5 s is frame 108 exactly at 24 fps; 9 s is frame 216.
    expect(isB(timeline.stateAt((108 * 1000) / 24))).toBe(true);
    expect(isB(timeline.stateAt(108 * (1000 / 24)))).toBe(true);
    expect(isB(timeline.stateAt((107 * 1000) / 24))).toBe(false);
    expect(timeline.stateAt((216 * 1000) / 24)).toBeNull();
  });

  it('at 29.97 fps as the probe reports it (fps = 29.97)', () => {
    const frameTimes = Array.from({ length: 400 }, (_, i) => (i * 1000) / 29.97);
    expect(firstFrameAtOrAfter(frameTimes, timeline, isB)).toBe(135); // 4504.5 ms
    expect(firstFrameAtOrAfter(frameTimes, timeline, isUnstyled)).toBe(270); // 9009.0 ms
    expect(firstFrameAtOrAfter(frameTimes, timeline, isC)).toBe(300); // 10010.01 ms
  });

  it('at a variable frame rate', () => {
    // Irregular times: a stutter, a frame exactly on 4.5 s, a long gap over 9 s.
    const frameTimes = [
      0, 40, 80, 95, 4400, 4466.7, 4500, 4533.3, 8960, 8999.99, 9200, 10_009.99, 10_010.0004,
      11_000,
    ];
    expect(firstFrameAtOrAfter(frameTimes, timeline, isB)).toBe(6);
    expect(firstFrameAtOrAfter(frameTimes, timeline, isUnstyled)).toBe(10);
    // Within the microsecond tolerance: 10009.99 is before 10.01 s, 10010.0004 is on it.
    expect(firstFrameAtOrAfter(frameTimes, timeline, isC)).toBe(12);
  });

  it('with a transition, the last styled frame before an unstyled segment is the last one before alpha reaches 0', () => {
    const faded = createTimeline(
      schedule({
        transition: 0.5,
        segments: [
          { start: 0, end: 9, style: 'a.jpg' },
          { start: 9, end: 12, style: null },
        ],
      }),
      1,
    );
    for (const fps of [24, 25, 29.97]) {
      const frameTimes = Array.from({ length: Math.ceil(fps * 12) }, (_, i) => (i * 1000) / fps);
      const firstUnstyled = frameTimes.findIndex((t) => faded.stateAt(t) === null);
      expect(firstUnstyled).toBe(Math.ceil((9250 * fps) / 1000 - 1e-9));
      expect(faded.stateAt(frameTimes[firstUnstyled - 1]!)!.alpha[0]).toBeGreaterThan(0);
    }
  });
});

describe('createTimeline: loop', () => {
  const looped = createTimeline(
    schedule({
      loop: true,
      transition: 1,
      segments: [
        { start: 0, end: 4, style: 'a.jpg' },
        { start: 4, end: 8, style: 'b.jpg' },
      ],
    }),
    1,
  );

  it('repeats with the last segment’s end as its period', () => {
    expect(looped.periodMs).toBe(8000);
    for (const t of [1000, 3000, 4000, 5000, 6000]) {
      expect(weightsOf(looped.stateAt(t + 8000))).toEqual(weightsOf(looped.stateAt(t)));
      expect(weightsOf(looped.stateAt(t + 5 * 8000))).toEqual(weightsOf(looped.stateAt(t)));
    }
  });

  it('blends the last segment into the first across the wrap, from the second pass on', () => {
    expect(
      looped.transitions.map((t) => [t.kind, t.startMs, t.endMs, t.from, t.to, t.wrap]),
    ).toEqual([
      ['blend', 3500, 4500, 0, 1, false],
      ['blend', 7500, 8500, 1, 0, true],
    ]);
    // The very first frames are a alone; the same time in later passes is mid-blend.
    expect(weightsOf(looped.stateAt(0))).toEqual([1, 0]);
    expect(looped.stateAt(8000)!.weights[0]).toBeCloseTo(0.5, 6);
    const wrap = times(7500, 8499, 200).map((t) => looped.stateAt(t)!.weights[0]!);
    expectNonDecreasing(wrap, 'a’s weight across the wrap');
    expect(weightsOf(looped.stateAt(8500))).toEqual([1, 0]);
    expect(weightsOf(looped.stateAt(16_500))).toEqual([1, 0]);
  });

  it('fades across the wrap into a gap at the start of each pass', () => {
    const t = createTimeline(
      schedule({ loop: true, transition: 1, segments: [{ start: 2, end: 6, style: 'a.jpg' }] }),
      1,
    );
    expect(t.periodMs).toBe(6000);
    expect(t.stateAt(6000)!.alpha[0]).toBeCloseTo(0.5, 6); // fading out into the next pass's gap
    expect(t.stateAt(6500)).toBeNull();
    expect(t.stateAt(7500)).toBeNull();
    expect(t.stateAt(8000)!.alpha[0]).toBeCloseTo(0.5, 6); // fading in again
    expect(t.stateAt(10_000)).toBe(t.stateAt(4000));
  });
});

describe('createTimeline: random schedules', () => {
  /** A small seeded PRNG (mulberry32), so a failure can be replayed. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function randomSchedule(next: () => number): unknown {
    const segments: unknown[] = [];
    let cursor = next() < 0.5 ? 0 : Math.round(next() * 2000) / 1000;
    const count = 1 + Math.floor(next() * 6);
    for (let i = 0; i < count; i++) {
      const length = Math.round((0.05 + next() * 3) * 1000) / 1000;
      const images = ['a.jpg', 'b.jpg', 'c.jpg'].filter(() => next() < 0.5);
      segments.push({
        start: cursor,
        end: cursor + length,
        style:
          next() < 0.25 || images.length === 0
            ? null
            : images.map((image) => ({ image, weight: 0.1 + next() })),
        alpha: next() < 0.5 ? Math.round(next() * 100) / 100 : [next(), next()],
        preserveColor: next() < 0.3,
        ...(next() < 0.3 ? { transition: Math.round(next() * 3000) / 1000 } : {}),
      });
      cursor += length + (next() < 0.5 ? 0 : Math.round(next() * 1500) / 1000);
    }
    return { transition: Math.round(next() * 2000) / 1000, loop: next() < 0.3, segments };
  }

  it('keep weights summing to 1, alpha in range, and change only smoothly except at cuts', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const parsed = parseSchedule(JSON.stringify(randomSchedule(next)), {
        path: '/s/schedule.json',
      });
      // Random alphas are kept away from null-segment warnings' concerns; only errors matter.
      expect(parsed.problems, `seed ${seed}`).toEqual([]);
      const timeline = createTimeline(parsed.schedule!, 2);
      const lastEnd = parsed.schedule!.segments.at(-1)!.endMs;
      const horizon = (timeline.periodMs ?? lastEnd) * (timeline.periodMs ? 2.5 : 1) + 1000;
      // Boundaries without a window (cuts) may jump; find them over the sampled horizon.
      const cuts = new Set<number>();
      const period = timeline.periodMs;
      for (const segment of parsed.schedule!.segments) {
        for (const edge of [segment.startMs, segment.endMs]) {
          for (let k = 0; period !== undefined ? k * period <= horizon : k === 0; k++) {
            cuts.add(edge + k * (period ?? 0));
          }
        }
      }
      const windows = timeline.transitions.flatMap((w) =>
        Array.from({ length: period ? 4 : 1 }, (_, k) => ({
          start: w.startMs + k * (period ?? 0),
          end: w.endMs + k * (period ?? 0),
          at: w.atMs + k * (period ?? 0),
        })),
      );
      const problems: string[] = [];
      const stepMs = 0.5;
      let previous = timeline.stateAt(0);
      for (let t = stepMs; t <= horizon; t += stepMs) {
        const state = timeline.stateAt(t);
        if (state) {
          const sum = state.weights.reduce((a, b) => a + b, 0);
          if (Math.abs(sum - 1) > 1e-9) problems.push(`weights sum ${sum} at ${t}`);
          for (const w of state.weights) if (w < -1e-12) problems.push(`weight ${w} at ${t}`);
          for (const a of state.alpha) if (!(a >= 0 && a <= 1)) problems.push(`alpha ${a} at ${t}`);
        }
        const crossedEdge = [...cuts].some((edge) => edge > t - stepMs - 1e-6 && edge <= t + 1e-6);
        const window = windows.find((w) => t - stepMs >= w.start - 1e-6 && t <= w.end + 1e-6);
        // Smoothstep's steepest slope is 1.5 per window; a fade-through runs each half at twice that.
        const allowed = window ? (3 * stepMs) / (window.end - window.start) + 1e-6 : 1e-9;
        if (!(crossedEdge && !window)) {
          const alphaOf = (s: TimelineState | null) => (s ? Math.max(...s.alpha) : 0);
          if (Math.abs(alphaOf(state) - alphaOf(previous)) > allowed) {
            problems.push(`alpha jumps ${alphaOf(previous)} → ${alphaOf(state)} at ${t}`);
          }
          if (state && previous && state.preserveColor === previous.preserveColor) {
            const jump = Math.max(
              ...state.weights.map((w, i) => Math.abs(w - previous!.weights[i]!)),
            );
            // Weights may switch only where alpha is 0 (a fade through it).
            if (jump > allowed && alphaOf(state) > 1e-3 && alphaOf(previous) > 1e-3) {
              problems.push(`weights jump ${jump} at ${t}`);
            }
          }
        }
        previous = state;
      }
      expect(problems.slice(0, 5), `seed ${seed}`).toEqual([]);
    }
  });
});
