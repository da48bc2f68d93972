import { describe, expect, it } from 'vitest';
import { PcmFrameAligner, pcmFrames, pcmMs } from '../../src/decode/pcm-audio.js';

describe('PcmFrameAligner', () => {
  it('hands on whole sample frames only, keeping a partial one for the next chunk', () => {
    const aligner = new PcmFrameAligner();
    const bytes = Array.from({ length: 14 }, (_, i) => i);
    const out = [
      aligner.push(new Uint8Array(bytes.slice(0, 3))),
      aligner.push(new Uint8Array(bytes.slice(3, 9))),
      aligner.push(new Uint8Array(bytes.slice(9, 14))),
    ];
    expect(out.map((chunk) => [...chunk])).toEqual([[], [0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11]]);
    expect([...aligner.push(new Uint8Array([14, 15]))]).toEqual([12, 13, 14, 15]);
  });

  it('keeps its own copy of a partial frame, not a view of a chunk that may be reused', () => {
    const aligner = new PcmFrameAligner();
    const chunk = new Uint8Array([1, 2, 3, 4, 5, 6]);
    aligner.push(chunk);
    chunk.fill(0);
    expect([...aligner.push(new Uint8Array([7, 8]))]).toEqual([5, 6, 7, 8]);
  });
});

describe('pcmFrames and pcmMs', () => {
  it('convert between sample frames and milliseconds at 48 kHz', () => {
    expect(pcmFrames(1000)).toBe(48_000);
    expect(pcmFrames(20)).toBe(960);
    expect(pcmMs(480)).toBe(10);
  });
});
