import { describe, expect, it } from 'vitest';
import { planChunks } from '../../src/farm/plan-chunks.js';

describe('planChunks', () => {
  it('covers every frame once, in whole-frame ranges; the last runs to the end', () => {
    expect(planChunks(75, 25, 1)).toEqual([
      { start: 0, count: 25 },
      { start: 25, count: 25 },
      { start: 50, count: 25, toEnd: true },
    ]);
    expect(planChunks(10, 30000 / 1001, 0.2)).toEqual([
      { start: 0, count: 6 },
      { start: 6, count: 4, toEnd: true },
    ]);
  });

  it('a short tail joins the chunk before it, so the last chunk takes up a miscount', () => {
    expect(planChunks(80, 25, 1)).toEqual([
      { start: 0, count: 25 },
      { start: 25, count: 25 },
      { start: 50, count: 30, toEnd: true },
    ]);
    expect(planChunks(5, 25, 1)).toEqual([{ start: 0, count: 5, toEnd: true }]);
  });

  it('never makes an empty chunk', () => {
    expect(planChunks(3, 25, 0.001)).toEqual([
      { start: 0, count: 1 },
      { start: 1, count: 1 },
      { start: 2, count: 1, toEnd: true },
    ]);
    expect(() => planChunks(0, 25, 1)).toThrow(RangeError);
  });
});
