/**
 * When a live source's audio was captured, on the clock its frames are timed by. A frame's capture
 * time is when it reached us, but the decoder holds video back (a threaded H.264 decoder keeps a
 * few frames in flight) while audio comes straight through: audio that arrives with a frame
 * belongs to a later picture. Both streams carry their media time (a frame's index at the decode
 * rate, audio's sample count), so the least each arrives after its media time says how far the
 * picture lags its sound; audio is dated that much later. The least, because delays only ever add
 * (a busy event loop); it creeps up slowly, so that a burst at the start (a live stream joined at
 * its last keyframe, frames repeated to fill a rate) or a gap in the source's audio ages out. A lag
 * outside what a decoder holds back is no decoder's: then audio is dated as it arrived.
 */
import { pcmMs } from '../decode/pcm-audio.js';

/** The most a decoder holds the picture back behind its sound (a few frames). */
export const MAX_PICTURE_LAG_MS = 250;
/** How fast the least delay seen may rise: ms per second. */
const CREEP = 50 / 1000;

/** The least of a stream's delays (arrival less media time), rising slowly between them. */
class LeastDelay {
  private least = Infinity;
  private seenAtMs = 0;

  observe(delayMs: number, nowMs: number): number {
    this.least = Math.min(this.least + (nowMs - this.seenAtMs) * CREEP, delayMs);
    this.seenAtMs = nowMs;
    return this.least;
  }

  get value(): number {
    return this.least;
  }
}

export class SourceAudioClock {
  private readonly frames = new LeastDelay();
  private readonly sound = new LeastDelay();
  private audioFrames = 0;

  /** A frame at `ptsMs` on the attempt's timeline arrived at `arrivalMs`. */
  frame(ptsMs: number, arrivalMs: number): void {
    this.frames.observe(arrivalMs - ptsMs, arrivalMs);
  }

  /** Audio of `frames` sample frames arrived at `arrivalMs`: its capture time on the frames' clock. */
  audio(frames: number, arrivalMs: number): number {
    this.audioFrames += frames;
    const soundDelay = this.sound.observe(arrivalMs - pcmMs(this.audioFrames), arrivalMs);
    const lag = this.frames.value - soundDelay;
    return lag > 0 && lag <= MAX_PICTURE_LAG_MS ? arrivalMs + lag : arrivalMs;
  }
}
