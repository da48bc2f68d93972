import { describe, expect, it } from 'vitest';
import {
  KeyframeChainQueue,
  NewestFrameQueue,
  type FrameQueue,
  type OutgoingFrame,
} from '../../src/stream/frame-queue.js';

const frame = (index: number, keyframe = false): OutgoingFrame => ({
  bytes: Buffer.from([index]),
  index,
  keyframe,
});

const drain = (queue: FrameQueue): number[] => {
  const taken: number[] = [];
  for (let next = queue.take(); next; next = queue.take()) taken.push(next.index);
  return taken;
};

describe('NewestFrameQueue', () => {
  it('keeps only the newest frame, and never one older than a frame offered before', () => {
    const queue = new NewestFrameQueue();
    expect(queue.offer(frame(1, true))).toBe(0);
    expect(queue.offer(frame(2, true))).toBe(1); // 1 replaced
    expect(drain(queue)).toEqual([2]);
    expect(queue.offer(frame(4, true))).toBe(0);
    expect(queue.offer(frame(3, true))).toBe(1); // finished late: dropped
    expect(drain(queue)).toEqual([4]);
  });
});

describe('KeyframeChainQueue', () => {
  it('starts a viewer at a keyframe and then keeps every frame, in order', () => {
    const queue = new KeyframeChainQueue(4);
    expect(queue.offer(frame(1))).toBe(1);
    expect(queue.offer(frame(2))).toBe(1);
    expect(drain(queue)).toEqual([]);
    expect(queue.offer(frame(3, true))).toBe(0);
    expect(queue.offer(frame(4))).toBe(0);
    expect(drain(queue)).toEqual([3, 4]);
    expect(queue.offer(frame(5))).toBe(0);
    expect(drain(queue)).toEqual([5]);
  });

  it('a viewer that falls too far behind drops what waits and waits for the next keyframe', () => {
    const queue = new KeyframeChainQueue(2);
    queue.offer(frame(1, true));
    queue.offer(frame(2));
    expect(queue.offer(frame(3))).toBe(3); // 1, 2 waiting and 3: all lost
    expect(queue.offer(frame(4))).toBe(1);
    expect(drain(queue)).toEqual([]);
    expect(queue.offer(frame(5, true))).toBe(0);
    expect(drain(queue)).toEqual([5]);
  });

  it('a keyframe replaces what waits: nothing before it is needed', () => {
    const queue = new KeyframeChainQueue(4);
    queue.offer(frame(1, true));
    queue.offer(frame(2));
    expect(queue.offer(frame(3, true))).toBe(2);
    expect(drain(queue)).toEqual([3]);
  });
});
