import { describe, expect, it } from 'vitest';
import { pcmFrames } from '../../src/decode/pcm-audio.js';
import { SourceAudioClock } from '../../src/live/source-audio-clock.js';

const T = 1_000_000;

describe('SourceAudioClock', () => {
  it('dates audio as it arrived until a frame has come', () => {
    expect(new SourceAudioClock().audio(pcmFrames(20), T)).toBe(T);
  });

  it('dates audio later by how far the decoder holds the picture back', () => {
    const clock = new SourceAudioClock();
    // Audio arrives as it plays; frames (at 15 fps) arrive 130 ms after theirs.
    for (let i = 1; i <= 10; i++) clock.audio(pcmFrames(20), T + i * 20);
    for (let i = 0; i < 3; i++) clock.frame((i * 1000) / 15, T + (i * 1000) / 15 + 130);
    expect(clock.audio(pcmFrames(20), T + 220)).toBe(T + 220 + 130);
  });

  it('goes by the least delay of each, so a late frame or chunk moves no other', () => {
    const clock = new SourceAudioClock();
    clock.frame(0, T + 100);
    clock.frame(40, T + 400); // a frame held up by a busy event loop
    expect(clock.audio(pcmFrames(20), T + 20)).toBe(T + 20 + 100);
    expect(clock.audio(pcmFrames(20), T + 300)).toBe(T + 300 + 100); // a chunk held up
    expect(clock.audio(pcmFrames(20), T + 60)).toBe(T + 60 + 100);
  });
});
