/**
 * Where a published connection's audio goes, so that it stays with the picture. The video reaching
 * the publisher's ffmpeg is timestamped as it arrives, a pipeline's latency after its capture; the
 * audio is a plain run of samples, timed by their count. So each chunk of the source's audio is
 * placed where the picture of its capture time will be: its capture time plus the picture's
 * latency, on a timeline that starts when the connection's first frame went out (the audio starts
 * then too). A chunk that lands later than the samples so far (a source that dropped and came
 * back, a reopen at a new size, a latency that grew) has silence written before it; one that
 * lands earlier has its overlap skipped. While no audio comes at all, silence keeps the audio up
 * with the picture, so the muxer, which interleaves the two, never waits for it.
 *
 * Pure: it says how many sample frames to write, skip or fill; the publisher writes them.
 */
import { pcmFrames, pcmMs } from '../decode/pcm-audio.js';

/** How far a chunk may land from where the samples so far end before it is moved there. */
export const AUDIO_TOLERANCE_MS = 60;
/** How far the audio may fall behind the wall clock, with nothing coming, before silence fills it. */
export const AUDIO_FILL_LAG_MS = 250;

/** What to do with one chunk of the source's audio. */
export interface AudioPlacement {
  /** Sample frames of silence to write before it. */
  silence: number;
  /** Sample frames to drop from its start (0 to all of it). */
  skip: number;
}

export class AudioTimeline {
  /** Sample frames written so far: where the next one lands. */
  private written = 0;

  /** `startMs`: when the connection's first frame went out (ms since the epoch). */
  constructor(private readonly startMs: number) {}

  /** Sample frames placed so far (silence included). */
  get frames(): number {
    return this.written;
  }

  /**
   * A chunk of `frames` sample frames whose last one was captured at `captureMs`, while the
   * picture reaches ffmpeg `latencyMs` after its capture.
   */
  place(captureMs: number, latencyMs: number, frames: number): AudioPlacement {
    const landsAt = pcmFrames(captureMs - pcmMs(frames) + latencyMs - this.startMs);
    const off = landsAt - this.written;
    const tolerance = pcmFrames(AUDIO_TOLERANCE_MS);
    const silence = off > tolerance ? off : 0;
    const skip = off < -tolerance ? Math.min(frames, -off) : 0;
    this.written += silence + frames - skip;
    return { silence, skip };
  }

  /** Sample frames of silence that bring the audio up to `AUDIO_FILL_LAG_MS` before `nowMs`. */
  fill(nowMs: number): number {
    const silence = Math.max(0, pcmFrames(nowMs - this.startMs - AUDIO_FILL_LAG_MS) - this.written);
    this.written += silence;
    return silence;
  }
}
