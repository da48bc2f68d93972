import { describe, expect, it } from 'vitest';
import { LiveFrameSlot } from '../../src/live/live-frame-slot.js';
import { timelineSlot } from '../../src/live/live-recorder.js';
import { LiveStats, percentile } from '../../src/live/live-stats.js';

describe('LiveFrameSlot', () => {
  it('keeps the newest item and counts the ones it replaced', () => {
    const slot = new LiveFrameSlot<number>();
    expect(slot.put(1)).toBeUndefined();
    expect(slot.put(2)).toBe(1);
    expect(slot.put(3)).toBe(2);
    expect(slot.take()).toBe(3);
    expect(slot.take()).toBeUndefined();
    slot.put(4);
    slot.clear();
    expect(slot.full).toBe(false);
    expect(slot.dropped).toBe(2);
  });
});

describe('LiveStats', () => {
  it('reports rates over the last two seconds, latency percentiles and drops', () => {
    let now = 0;
    const stats = new LiveStats(
      () => 3,
      () => now,
    );
    for (let i = 0; i < 60; i++) {
      now = i * 50; // 20 fps for 3 s
      stats.sourceFrame();
      if (i % 2 === 0) stats.sent(i % 4 === 0 ? 40 : 100);
    }
    stats.lateDrop();
    const snapshot = stats.snapshot();
    expect(snapshot.sourceFps).toBe(20);
    expect(snapshot.fps).toBe(10);
    expect(snapshot.latencyMs).toEqual({ p50: 40, p95: 100 });
    expect(snapshot.drops).toBe(4);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });
});

describe('timelineSlot', () => {
  it('places frames by capture time on a constant-rate timeline', () => {
    expect(timelineSlot(1000, 1000, 30)).toBe(0);
    expect(timelineSlot(1100, 1000, 30)).toBe(3);
    expect(timelineSlot(990, 1000, 30)).toBe(0);
  });
});
