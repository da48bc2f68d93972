import { describe, expect, it } from 'vitest';
import { pcmFrames } from '../../src/decode/pcm-audio.js';
import {
  AUDIO_FILL_LAG_MS,
  AUDIO_TOLERANCE_MS,
  AudioTimeline,
} from '../../src/publish/audio-timeline.js';

const START = 1_000_000;
/** 20 ms of audio: 960 sample frames. */
const CHUNK = pcmFrames(20);

describe('AudioTimeline', () => {
  it('places audio where its picture lands: capture time plus the latency, with silence before', () => {
    const timeline = new AudioTimeline(START);
    // The first frame (captured 100 ms before it went out) started the stream; audio captured
    // with it belongs at 0, and audio captured 100 ms later 100 ms in.
    expect(timeline.place(START + 20, 100, CHUNK)).toEqual({ silence: pcmFrames(100), skip: 0 });
    expect(timeline.frames).toBe(pcmFrames(120));
    expect(timeline.place(START + 40, 100, CHUNK)).toEqual({ silence: 0, skip: 0 });
    expect(timeline.frames).toBe(pcmFrames(140));
  });

  it('lets chunks land within the tolerance stay back to back (jitter is not corrected)', () => {
    const timeline = new AudioTimeline(START);
    timeline.place(START + 20, 0, CHUNK);
    const late = AUDIO_TOLERANCE_MS - 10;
    expect(timeline.place(START + 40 + late, 0, CHUNK)).toEqual({ silence: 0, skip: 0 });
    expect(timeline.place(START + 60 - late, 0, CHUNK)).toEqual({ silence: 0, skip: 0 });
    expect(timeline.frames).toBe(pcmFrames(60));
  });

  it('fills a gap (a source that dropped and came back) with silence', () => {
    const timeline = new AudioTimeline(START);
    timeline.place(START + 20, 0, CHUNK);
    expect(timeline.place(START + 5_020, 0, CHUNK)).toEqual({
      silence: pcmFrames(4_980),
      skip: 0,
    });
    expect(timeline.frames).toBe(pcmFrames(5_020));
  });

  it('skips what overlaps audio already written (the latency shrank)', () => {
    const timeline = new AudioTimeline(START);
    timeline.place(START + 20, 200, CHUNK); // 200 ms of silence, then 20 ms
    expect(timeline.place(START + 40, 100, CHUNK)).toEqual({ silence: 0, skip: CHUNK });
    expect(timeline.place(START + 140, 100, CHUNK)).toEqual({ silence: 0, skip: 0 });
    expect(timeline.frames).toBe(pcmFrames(240));
  });

  it('skips part of a chunk that overlaps by less than the chunk', () => {
    const timeline = new AudioTimeline(START);
    timeline.place(START + 200, 0, pcmFrames(200));
    const { silence, skip } = timeline.place(START + 300, 0, pcmFrames(200));
    expect(silence).toBe(0);
    expect(skip).toBe(pcmFrames(100));
    expect(timeline.frames).toBe(pcmFrames(300));
  });

  it('keeps up with the wall clock in silence while no audio comes, a margin behind', () => {
    const timeline = new AudioTimeline(START);
    expect(timeline.fill(START + 100)).toBe(0);
    expect(timeline.fill(START + 1_000)).toBe(pcmFrames(1_000 - AUDIO_FILL_LAG_MS));
    expect(timeline.fill(START + 1_000)).toBe(0);
    // Real audio then lands where it belongs, after the silence so far.
    expect(timeline.place(START + 1_020, 100, CHUNK)).toEqual({
      silence: pcmFrames(1_100) - pcmFrames(1_000 - AUDIO_FILL_LAG_MS),
      skip: 0,
    });
    // Audio that runs ahead of the clock is never filled.
    expect(timeline.fill(START + 1_100)).toBe(0);
  });
});
