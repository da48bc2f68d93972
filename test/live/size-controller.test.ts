import { describe, expect, it } from 'vitest';
import { SizeController, sizeLadder, type SizeWindow } from '../../src/live/size-controller.js';

const ladder720 = sizeLadder({ width: 1280, height: 720 }, 16);

/** A window at 30 fps where workers take `frameMs` a frame and `dropped` of 60 frames go stale. */
const window = (frameMs: number, dropped: number): SizeWindow => ({
  sourceFrames: 60,
  dropped,
  sourceFps: 30,
  frameMs,
  workers: 2,
});

describe('sizeLadder', () => {
  it('steps 720p down to 360p, aspect kept, sides multiples of the model size multiple', () => {
    expect(ladder720).toEqual([
      { width: 1280, height: 720 },
      { width: 960, height: 544 },
      { width: 768, height: 432 },
      { width: 640, height: 368 },
    ]);
  });

  it('starts at the source size capped at 1280x720, leaving out rungs above it', () => {
    expect(sizeLadder({ width: 1920, height: 1080 }, 8)[0]).toEqual({ width: 1280, height: 720 });
    expect(sizeLadder({ width: 640, height: 480 }, 8)).toEqual([
      { width: 640, height: 480 },
      { width: 576, height: 432 },
      { width: 480, height: 360 },
    ]);
  });
});

describe('SizeController', () => {
  it('steps down after two windows in a row that drop frames and fall short of the source rate', () => {
    const controller = new SizeController(ladder720);
    expect(controller.observe(window(100, 30))).toEqual(ladder720[0]); // 20 fps: one vote
    expect(controller.observe(window(100, 30))).toEqual(ladder720[1]);
    // The votes start again at the new size.
    expect(controller.observe(window(100, 30))).toEqual(ladder720[1]);
    expect(controller.observe(window(100, 30))).toEqual(ladder720[2]);
  });

  it('steps down past the sizes the measured throughput cannot keep up at', () => {
    // 133 ms a frame with two workers: 15 fps at 1280x720, predicted 26.5 at 960x544 (short of
    // 30) and 41.7 at 768x432.
    const controller = new SizeController(ladder720);
    controller.observe(window(133.3, 30));
    expect(controller.observe(window(133.3, 30))).toEqual(ladder720[2]);
    // 10 fps: only 640x368 is predicted to keep up (39 fps).
    const slower = new SizeController(ladder720);
    slower.observe(window(200, 40));
    expect(slower.observe(window(200, 40))).toEqual(ladder720[3]);
  });

  it('holds on drops that are jitter, not a shortfall, and on a window broken by one good one', () => {
    const controller = new SizeController(ladder720);
    for (let i = 0; i < 5; i++) expect(controller.observe(window(50, 12))).toEqual(ladder720[0]);
    controller.observe(window(100, 30));
    controller.observe(window(50, 0));
    expect(controller.observe(window(100, 30))).toEqual(ladder720[0]);
  });

  it('steps up only after four windows with headroom for the bigger size, and never past the top', () => {
    const controller = new SizeController(ladder720);
    controller.observe(window(100, 30));
    controller.observe(window(100, 30));
    expect(controller.size).toEqual(ladder720[1]);
    // 960x544 at 25 ms: 80 fps, predicted 45 at 1280x720 ≥ 30 × 1.3.
    for (let i = 0; i < 3; i++) expect(controller.observe(window(25, 0))).toEqual(ladder720[1]);
    expect(controller.observe(window(25, 0))).toEqual(ladder720[0]);
    for (let i = 0; i < 8; i++) expect(controller.observe(window(10, 0))).toEqual(ladder720[0]);
  });

  it('holds when the bigger size would only just keep up', () => {
    const controller = new SizeController(ladder720);
    controller.observe(window(100, 30));
    controller.observe(window(100, 30));
    // 960x544 at 40 ms: 50 fps, predicted 28.3 at 1280x720 < 39.
    for (let i = 0; i < 10; i++) expect(controller.observe(window(40, 0))).toEqual(ladder720[1]);
  });

  it('stays at the bottom rung however far behind', () => {
    const controller = new SizeController(ladder720);
    for (let i = 0; i < 20; i++) controller.observe(window(500, 55));
    expect(controller.size).toEqual(ladder720.at(-1));
  });

  it('keeps a fixed --size (a ladder of one) whatever it measures', () => {
    const fixed = { width: 1280, height: 720 };
    const controller = new SizeController([fixed]);
    for (let i = 0; i < 10; i++) expect(controller.observe(window(500, 55))).toEqual(fixed);
  });

  it('ignores an empty window', () => {
    const controller = new SizeController(ladder720);
    for (let i = 0; i < 5; i++) controller.observe({ ...window(100, 0), sourceFrames: 0 });
    expect(controller.size).toEqual(ladder720[0]);
  });
});
