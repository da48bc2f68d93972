import { describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../src/decode/parse-probe.js';
import { promisedFrames } from '../../src/decode/promised-frames.js';

const MKV: MediaInfo = {
  width: 160,
  height: 120,
  fps: 25,
  durationMs: 2000,
  startMs: 0,
  streamedMs: 2000,
  rotation: 0,
  hasAudio: false,
  audioCodec: null,
  videoCodec: 'h264',
  bitDepth: 8,
  format: 'matroska,webm',
  frameCount: 50,
};

describe('promisedFrames', () => {
  it('is the duration at the rate for a file that starts at 0, read whole or cut', () => {
    expect(promisedFrames(MKV)).toBe(50);
    expect(promisedFrames({ ...MKV, streamedMs: 1000 })).toBe(50);
  });

  it('counts from the first timestamp when the header counts from 0', () => {
    // -output_ts_offset 10: "Duration: 00:00:12.00, start: 10.000000" for 2 s of video.
    expect(promisedFrames({ ...MKV, durationMs: 12_000, startMs: 10_000 })).toBe(50);
  });

  it('keeps a header that counts from the start, so a late-starting cut file is still caught', () => {
    // A transport stream's duration is from its start (1.4 s): the header still promises 2 s.
    expect(promisedFrames({ ...MKV, startMs: 1400, streamedMs: 2000 })).toBe(50);
    expect(promisedFrames({ ...MKV, startMs: 1400, streamedMs: 900 })).toBe(50);
  });

  it('promises nothing for indexed containers or an unknown duration', () => {
    expect(promisedFrames({ ...MKV, format: 'mov,mp4,m4a,3gp,3g2,mj2' })).toBeNull();
    expect(promisedFrames({ ...MKV, durationMs: null })).toBeNull();
  });
});
