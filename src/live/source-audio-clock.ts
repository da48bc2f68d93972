/**
 * When a live source's audio was captured, on the clock its frames are timed by. A frame's capture
 * time is when it reached us, but the decoder holds video back (a threaded H.264 decoder keeps a
 * few frames in flight) while audio comes straight through: audio that arrives with a frame
 * belongs to a later picture. Both streams carry their media time (a frame's index at the decode
 * rate, audio's sample count), so the least each arrived after its media time, over the attempt,
 * says how far the picture lags its sound; audio is dated that much later. The least, because
 * delays only ever add (a busy event loop, a gap in the source's audio).
 */
import { pcmMs } from '../decode/pcm-audio.js';

export class SourceAudioClock {
  /** The least a frame arrived after its media time (ms); undefined before the first. */
  private frameLead: number | undefined;
  private audioLead: number | undefined;
  private audioFrames = 0;

  /** A frame at `ptsMs` on the attempt's timeline arrived at `arrivalMs`. */
  frame(ptsMs: number, arrivalMs: number): void {
    this.frameLead = Math.min(this.frameLead ?? Infinity, arrivalMs - ptsMs);
  }

  /** Audio of `frames` sample frames arrived at `arrivalMs`: its capture time on the frames' clock. */
  audio(frames: number, arrivalMs: number): number {
    this.audioFrames += frames;
    this.audioLead = Math.min(this.audioLead ?? Infinity, arrivalMs - pcmMs(this.audioFrames));
    if (this.frameLead === undefined) return arrivalMs;
    return arrivalMs + (this.frameLead - this.audioLead);
  }
}
