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

  it('cuts just after the keyframe nearest each cut, within half a chunk, and seeks there', () => {
    // 25 fps, 1 s chunks; keyframes at 1 s (frame 25), 2.64 s (66: too far from 50) and 3 s.
    expect(planChunks(100, 25, 1, [0, 1, 2.64, 3])).toEqual([
      { start: 0, count: 26 },
      { start: 26, count: 24, seekS: 1.001 },
      { start: 50, count: 26 },
      { start: 76, count: 24, seekS: 3.001, toEnd: true },
    ]);
    // A keyframe far from every cut, or past the end, moves nothing.
    expect(planChunks(50, 25, 1, [0.04, 5])).toEqual([
      { start: 0, count: 25 },
      { start: 25, count: 25, toEnd: true },
    ]);
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
