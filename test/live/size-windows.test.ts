import { describe, expect, it } from 'vitest';
import { SizeController, sizeLadder } from '../../src/live/size-controller.js';
import { SizeWindows } from '../../src/live/size-windows.js';

const ladder = sizeLadder({ width: 1280, height: 720 }, 16);

/**
 * Feeds `seconds` of a 30 fps source whose frames take `frameMs` each (two workers) and of which
 * every `dropEvery`th is dropped; returns the sizes the windows changed to.
 */
function feed(
  windows: SizeWindows,
  { fromMs, seconds, frameMs, dropEvery, dropsBefore = 0 }: Record<string, number>,
): { changes: { atMs: number; width: number }[]; dropped: number } {
  const changes: { atMs: number; width: number }[] = [];
  let dropped = dropsBefore;
  for (let i = 0; i < seconds! * 30; i++) {
    const atMs = fromMs! + (i * 1000) / 30;
    if (i % dropEvery! === 0) dropped++;
    else windows.timed(frameMs!);
    const next = windows.frame(atMs, dropped, 2);
    if (next) changes.push({ atMs: Math.round(atMs), width: next.width });
  }
  return { changes, dropped };
}

describe('SizeWindows', () => {
  it('judges two-second windows by capture time and steps down after two slow ones', () => {
    const windows = new SizeWindows(new SizeController(ladder));
    // 100 ms a frame with two workers is 20 fps against 30: a third of the frames go stale.
    const { changes } = feed(windows, { fromMs: 0, seconds: 7, frameMs: 100, dropEvery: 3 });
    // Windows end at the first frame 2 s after the window's start: 2000 ms, then 4000 ms.
    expect(changes).toEqual([{ atMs: 4000, width: 960 }]);
    expect(windows.controller.size).toEqual(ladder[1]);
  });

  it('counts only the drops since it (re)started', () => {
    const windows = new SizeWindows(new SizeController(ladder));
    // A stretch dropping a third of the frames, then the source restarts.
    const before = feed(windows, { fromMs: 0, seconds: 3, frameMs: 100, dropEvery: 3 });
    windows.restart(before.dropped);
    // Still short of 30 fps, but hardly a frame dropped since: that is no reason to step down.
    const after = feed(windows, {
      fromMs: 10_000,
      seconds: 6,
      frameMs: 100,
      dropEvery: 1000,
      dropsBefore: before.dropped,
    });
    expect(after.changes).toEqual([]);
    expect(windows.controller.size).toEqual(ladder[0]);
  });

  it('never judges a fixed size (a ladder of one)', () => {
    const windows = new SizeWindows(new SizeController([ladder[2]!]));
    const { changes } = feed(windows, { fromMs: 0, seconds: 10, frameMs: 500, dropEvery: 2 });
    expect(changes).toEqual([]);
  });
});
