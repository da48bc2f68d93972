/**
 * Feeds one publish connection's ffmpeg the source's audio, on its fd 3 as PCM, placed by an
 * `AudioTimeline` so it stays with the picture. The audio starts with the connection's first
 * frame (ffmpeg starts each input's timestamps at its first packet, so both start together), and
 * learns the picture's latency from each frame written after it. Never blocks: while ffmpeg takes
 * no audio, chunks beyond a few seconds' backlog are dropped (a connection that takes nothing is
 * dropped by the publisher's stall check, which the frames see).
 */
import type { Writable } from 'node:stream';
import { PCM_AUDIO, pcmFrames } from '../decode/pcm-audio.js';
import { AudioTimeline } from './audio-timeline.js';

/** How often silence is topped up while no audio comes. */
const FILL_EVERY_MS = 100;
/** Most audio waiting for ffmpeg before chunks are dropped. */
const MAX_BACKLOG_BYTES = pcmFrames(5_000) * PCM_AUDIO.frameBytes;
/** How much each frame's latency moves the estimate: capture-to-write jitters frame to frame. */
const LATENCY_SMOOTHING = 0.1;

export class AudioFeed {
  private timeline: AudioTimeline | undefined;
  private latencyMs = 0;
  private filler: NodeJS.Timeout | undefined;

  constructor(private readonly pipe: Writable) {}

  /** A frame captured at `captureMs` went to ffmpeg now: the first one starts the audio. */
  frameWritten(captureMs: number, nowMs = Date.now()): void {
    const latency = nowMs - captureMs;
    if (!this.timeline) {
      this.timeline = new AudioTimeline(nowMs);
      this.latencyMs = latency;
      this.filler = setInterval(() => this.fill(), FILL_EVERY_MS).unref();
      return;
    }
    this.latencyMs += (latency - this.latencyMs) * LATENCY_SMOOTHING;
  }

  /** Whole sample frames of the source's audio, the last captured at `captureMs`. */
  offer(pcm: Uint8Array, captureMs: number): void {
    if (!this.timeline || this.backedUp()) return;
    const frames = pcm.length / PCM_AUDIO.frameBytes;
    const { silence, skip } = this.timeline.place(captureMs, this.latencyMs, frames);
    this.writeSilence(silence);
    if (skip < frames) this.pipe.write(pcm.subarray(skip * PCM_AUDIO.frameBytes));
  }

  /** Ends the audio: ffmpeg sees its end (when stopping), and the filling stops. */
  end(): void {
    clearInterval(this.filler);
    if (!this.pipe.destroyed && !this.pipe.writableEnded) this.pipe.end();
  }

  private fill(): void {
    if (!this.timeline || this.backedUp()) return;
    this.writeSilence(this.timeline.fill(Date.now()));
  }

  private writeSilence(frames: number): void {
    if (frames > 0) this.pipe.write(Buffer.alloc(frames * PCM_AUDIO.frameBytes));
  }

  private backedUp(): boolean {
    return (
      this.pipe.destroyed || this.pipe.writableEnded || this.pipe.writableLength > MAX_BACKLOG_BYTES
    );
  }
}
