import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../src/schedule/parse-schedule.js';
import { createScheduleStyle, type StyleEncoder } from '../../src/schedule/schedule-style.js';
import type { Schedule } from '../../src/schedule/schedule.js';
import type { Frame } from '../../src/types.js';

function schedule(document: unknown): Schedule {
  const result = parseSchedule(JSON.stringify(document), { path: '/s/schedule.json' });
  expect(result.problems).toEqual([]);
  return result.schedule!;
}

/** Codes of 4 values: image n's code is [n, n, n, n] (n from 1, in order of first encode). */
class CountingEncoder implements StyleEncoder {
  calls: string[] = [];
  async fromFile(imagePath: string): Promise<Float32Array> {
    this.calls.push(imagePath);
    const n = Number(/(\d+)\.jpg$/.exec(imagePath)![1]);
    return new Float32Array(4).fill(n);
  }
}

const frameAt = (ptsMs: number, index = 0): Frame => ({
  index,
  ptsMs,
  width: 2,
  height: 2,
  data: new Uint8Array(12),
});

const THREE_SEGMENTS = {
  transition: 0.5,
  segments: [
    { start: 0, end: 4, style: 'styles/1.jpg' },
    {
      start: 4,
      end: 8,
      style: [
        { image: 'styles/2.jpg', weight: 3 },
        { image: 'styles/1.jpg', weight: 1 },
      ],
      alpha: 0.5,
      preserveColor: true,
    },
    { start: 8, end: 10, style: null },
    { start: 10, end: 12, style: './styles/2.jpg', alpha: [1, 0.5] },
  ],
};

describe('createScheduleStyle', () => {
  it('encodes each distinct image exactly once, up front', async () => {
    const encoder = new CountingEncoder();
    const styleFor = await createScheduleStyle(schedule(THREE_SEGMENTS), { encoder, levels: 2 });
    expect(encoder.calls).toEqual(['/s/styles/1.jpg', '/s/styles/2.jpg']);
    for (let i = 0; i < 300; i++) styleFor(frameAt((i * 1000) / 25, i));
    expect(encoder.calls).toHaveLength(2);
  });

  it('gives each segment’s blended code, alpha and preserveColor', async () => {
    const styleFor = await createScheduleStyle(schedule(THREE_SEGMENTS), {
      encoder: new CountingEncoder(),
      levels: 2,
    });
    const first = styleFor(frameAt(1000))!;
    expect([...first.code]).toEqual([1, 1, 1, 1]);
    expect([...first.alpha]).toEqual([1, 1]);
    expect(first.preserveColor).toBe(false);

    const blend = styleFor(frameAt(6000))!;
    expect([...blend.code]).toEqual([1.75, 1.75, 1.75, 1.75]); // 0.75 · 2 + 0.25 · 1
    expect([...blend.alpha]).toEqual([0.5, 0.5]);
    expect(blend.preserveColor).toBe(true);

    expect(styleFor(frameAt(9000))).toBeNull();

    const last = styleFor(frameAt(11_000))!;
    expect([...last.code]).toEqual([2, 2, 2, 2]);
    expect([...last.alpha]).toEqual([1, 0.5]);

    expect(styleFor(frameAt(12_500))).toBeNull();
  });

  it('returns the same settings object for every frame inside a segment (no allocation)', async () => {
    const styleFor = await createScheduleStyle(schedule(THREE_SEGMENTS), {
      encoder: new CountingEncoder(),
      levels: 2,
    });
    const first = styleFor(frameAt(0));
    for (let i = 1; i < 80; i++) expect(styleFor(frameAt((i * 1000) / 24, i))).toBe(first);
    const blend = styleFor(frameAt(5000));
    expect(styleFor(frameAt(7000))).toBe(blend);
  });

  it('reuses the segment’s code while fading and blends codes across a transition', async () => {
    const styleFor = await createScheduleStyle(
      schedule({
        transition: 1,
        segments: [
          { start: 0, end: 4, style: '1.jpg' },
          { start: 4, end: 8, style: '3.jpg' },
        ],
      }),
      { encoder: new CountingEncoder(), levels: 1 },
    );
    const inside = styleFor(frameAt(6000))!;
    const fading = styleFor(frameAt(8200))!;
    expect(fading.code).toBe(inside.code);
    expect(fading.alpha[0]).toBeLessThan(1);
    const codes = Array.from({ length: 25 }, (_, i) => styleFor(frameAt(3500 + i * 40))!.code[0]!);
    codes.forEach((value, i) => {
      if (i > 0) expect(value).toBeGreaterThanOrEqual(codes[i - 1]!);
    });
    expect(codes[0]).toBe(1);
    expect(styleFor(frameAt(4000))!.code[0]).toBeCloseTo(2, 5);
  });

  it('answers a repeated frame time with the same result', async () => {
    const styleFor = await createScheduleStyle(schedule(THREE_SEGMENTS), {
      encoder: new CountingEncoder(),
      levels: 2,
    });
    const a = styleFor(frameAt(3900));
    expect(styleFor(frameAt(3900))).toBe(a);
  });

  it('counts live time from the first frame with origin "first-frame", and loops', async () => {
    const styleFor = await createScheduleStyle(
      schedule({
        loop: true,
        transition: 0,
        segments: [
          { start: 0, end: 1, style: '1.jpg' },
          { start: 1, end: 2, style: null },
        ],
      }),
      { encoder: new CountingEncoder(), levels: 1, origin: 'first-frame' },
    );
    const start = 987_654.3; // a device clock's time, not 0
    expect(styleFor(frameAt(start))?.code[0]).toBe(1);
    expect(styleFor(frameAt(start + 1500))).toBeNull();
    expect(styleFor(frameAt(start + 2100))?.code[0]).toBe(1);
    expect(styleFor(frameAt(start + 7 * 2000 + 1000))).toBeNull();
  });

  it('takes a numeric origin', async () => {
    const styleFor = await createScheduleStyle(
      schedule({ transition: 0, segments: [{ start: 1, end: 2, style: '1.jpg' }] }),
      { encoder: new CountingEncoder(), levels: 1, origin: 500 },
    );
    expect(styleFor(frameAt(1400))).toBeNull();
    expect(styleFor(frameAt(1500))).not.toBeNull();
  });

  it('rejects per-level alphas that do not match the model before encoding anything', async () => {
    const encoder = new CountingEncoder();
    await expect(
      createScheduleStyle(schedule(THREE_SEGMENTS), { encoder, levels: 3 }),
    ).rejects.toMatchObject({
      code: 'SCHEDULE_INVALID',
      message: expect.stringContaining(
        'segments[3].alpha: has 2 values but the model has 3 levels',
      ),
    });
    expect(encoder.calls).toEqual([]);
  });

  it('passes on the encoder’s failure', async () => {
    const encoder: StyleEncoder = {
      fromFile: () => Promise.reject(new Error('no such model')),
    };
    await expect(
      createScheduleStyle(schedule(THREE_SEGMENTS), { encoder, levels: 2 }),
    ).rejects.toThrow('no such model');
  });
});
