import { describe, expect, it } from 'vitest';
import { pcmFrames } from '../../src/decode/pcm-audio.js';
import { MAX_PICTURE_LAG_MS, SourceAudioClock } from '../../src/live/source-audio-clock.js';

const T = 1_000_000;
const CHUNK = pcmFrames(20);

/** Audio arriving as it plays, 20 ms a chunk, from `fromMs` to `toMs` of its media time. */
function playAudio(clock: SourceAudioClock, fromMs: number, toMs: number): number {
  let dated = 0;
  for (let ms = fromMs + 20; ms <= toMs; ms += 20) dated = clock.audio(CHUNK, T + ms) - (T + ms);
  return dated;
}

describe('SourceAudioClock', () => {
  it('dates audio as it arrived until a frame has come', () => {
    expect(new SourceAudioClock().audio(CHUNK, T)).toBe(T);
  });

  it('dates audio later by how far the decoder holds the picture back', () => {
    const clock = new SourceAudioClock();
    playAudio(clock, 0, 200);
    // Frames (at 15 fps) arrive 130 ms after their media time.
    for (let i = 0; i < 3; i++) clock.frame((i * 1000) / 15, T + (i * 1000) / 15 + 130);
    expect(playAudio(clock, 200, 220)).toBe(130);
  });

  it('goes by the least delay of each, so a late frame or chunk moves no other', () => {
    const clock = new SourceAudioClock();
    clock.frame(0, T + 100);
    expect(playAudio(clock, 0, 100)).toBe(100);
    // A frame and a chunk held up by a busy event loop: the lag only creeps (50 ms a second).
    clock.frame(40, T + 400);
    expect(clock.audio(CHUNK, T + 400) - (T + 400)).toBe(100);
    const after = playAudio(clock, 120, 420);
    expect(after).toBeGreaterThanOrEqual(100);
    expect(after).toBeLessThanOrEqual(100 + 0.05 * 320);
  });

  it('dates audio as it arrived when the lag is none a decoder makes', () => {
    const clock = new SourceAudioClock();
    clock.frame(0, T + MAX_PICTURE_LAG_MS + 100);
    expect(clock.audio(CHUNK, T + 20)).toBe(T + 20);
    const early = new SourceAudioClock();
    early.frame(2_000, T); // frames ahead of their sound: a burst at the start
    expect(early.audio(CHUNK, T + 20)).toBe(T + 20);
  });

  it('lets a burst at the start age out', () => {
    const clock = new SourceAudioClock();
    // The first frames came 2 s ahead of their media time; then steadily 100 ms behind.
    clock.frame(2_000, T);
    let dated = 0;
    for (let ms = 0; ms <= 60_000; ms += 20) {
      dated = clock.audio(CHUNK, T + ms + 20) - (T + ms + 20);
      if (ms % 40 === 0) clock.frame(ms, T + ms + 100);
    }
    expect(dated).toBeCloseTo(100, 0);
  });
});
