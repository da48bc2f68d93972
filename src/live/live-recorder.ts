/**
 * Records a live run's stylized frames (`--record`) with the render pipeline's encoder: same
 * formats, same temporary-name-then-rename rule. The file plays in real time: each frame is
 * placed by its capture time on the constant-rate timeline, and a slot no frame reached repeats
 * the frame before it. Recording never slows the viewers: `offer` never blocks, and when the
 * encoder falls behind, frames beyond a small queue are dropped (the gap is filled the same way).
 */
import { VideoEncoder } from '../encode/video-encoder.js';
import { prepareOutput } from '../encode/output-file.js';
import { scaleFrame } from '../encode/scale-frame.js';
import type { Frame } from '../types.js';

export interface LiveRecorder {
  /** Hands over one stylized frame and when its source frame was captured (ms). */
  offer(frame: Frame, captureMs: number): void;
  /** Writes what is queued and completes the file. */
  finish(): Promise<void>;
  /** Stops and leaves no partial file behind. */
  abort(): Promise<void>;
  /** Frames written to the file, repeats included. */
  readonly framesWritten: number;
}

/** Most frames waiting for the encoder. */
const MAX_QUEUED = 8;
/** A gap longer than this (a source outage) is not filled: the recording jumps instead. */
const MAX_REPEATS = 60;

/** Where each frame lands on a constant-rate timeline that starts at the first frame. */
export function timelineSlot(captureMs: number, startMs: number, fps: number): number {
  return Math.max(0, Math.round(((captureMs - startMs) * fps) / 1000));
}

/** `onError` hears of a failed recording at once (disk full, ffmpeg gone), not only at `finish`. */
export async function startLiveRecorder(
  path: string,
  video: { width: number; height: number; fps: number },
  onError: (error: unknown) => void = () => {},
): Promise<LiveRecorder> {
  const output = await prepareOutput(path);
  const encoder = VideoEncoder.open({ output, ...video });
  const queue: { frame: Frame; slot: number }[] = [];
  let startMs: number | undefined;
  let nextSlot = 0;
  let previous: Frame | undefined;
  let failure: unknown;
  let writing: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  let ending = false;

  const writeLoop = async (): Promise<void> => {
    for (;;) {
      const item = queue.shift();
      if (!item) {
        if (ending) return;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (item.slot < nextSlot) continue; // a late frame: its place is taken
      const repeats = Math.min(item.slot - nextSlot, MAX_REPEATS);
      for (let i = 0; previous && i < repeats; i++) await encoder.write(previous);
      const frame = await scaleFrame(item.frame, video);
      await encoder.write(frame);
      previous = frame;
      nextSlot = item.slot + 1;
    }
  };
  writing = writeLoop().catch((error: unknown) => {
    failure = error;
    if (!ending) onError(error);
  });

  return {
    offer(frame, captureMs) {
      if (failure !== undefined || ending) return;
      startMs ??= captureMs;
      if (queue.length >= MAX_QUEUED) queue.shift();
      queue.push({ frame, slot: timelineSlot(captureMs, startMs, video.fps) });
      wake?.();
    },
    async finish() {
      ending = true;
      wake?.();
      await writing;
      if (failure !== undefined) {
        await encoder.abort();
        throw failure;
      }
      await encoder.finish();
    },
    async abort() {
      ending = true;
      queue.length = 0;
      wake?.();
      await encoder.abort();
      await writing;
    },
    get framesWritten() {
      return encoder.framesWritten;
    },
  };
}
