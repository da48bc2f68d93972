/**
 * A delivery policy: how one codec's frames wait for one viewer whose connection is busy. Each
 * viewer has its own queue, so a slow viewer loses frames of its own and never holds up the
 * others. JPEG frames stand alone (`NewestFrameQueue`: only the newest waits); H.264 frames
 * depend on every frame since their keyframe (`KeyframeChainQueue`: frames wait in order, and a
 * viewer that loses one waits for the next keyframe).
 */

/** One frame's binary message, ready to go to every viewer of its codec. */
export interface OutgoingFrame {
  bytes: Buffer;
  /** The source frame's number: a frame older than one offered before is never sent. */
  index: number;
  keyframe: boolean;
}

export interface FrameQueue {
  /** Offers the newest frame; returns how many frames this viewer will now never get. */
  offer(frame: OutgoingFrame): number;
  /** The next frame to send, taken off the queue. */
  take(): OutgoingFrame | undefined;
}

/** For frames that decode alone: a newer frame replaces the one waiting. */
export class NewestFrameQueue implements FrameQueue {
  private waiting: OutgoingFrame | undefined;
  private newestIndex = -1;

  offer(frame: OutgoingFrame): number {
    // Encoded side by side, frames can finish out of order: never show one backwards in time.
    if (frame.index <= this.newestIndex) return 1;
    this.newestIndex = frame.index;
    const skipped = this.waiting ? 1 : 0;
    this.waiting = frame;
    return skipped;
  }

  take(): OutgoingFrame | undefined {
    const frame = this.waiting;
    this.waiting = undefined;
    return frame;
  }
}

/**
 * For frames that depend on those before them back to a keyframe. A viewer starts at a keyframe;
 * frames then wait in order, up to `maxWaiting`; one more than that, and the waiting ones are
 * dropped and the viewer waits for the next keyframe (a gap would corrupt every frame up to it).
 * A keyframe replaces whatever is waiting: nothing before it is needed any more.
 */
export class KeyframeChainQueue implements FrameQueue {
  private waiting: OutgoingFrame[] = [];
  private needsKeyframe = true;

  constructor(private readonly maxWaiting = 4) {}

  offer(frame: OutgoingFrame): number {
    if (frame.keyframe) {
      const skipped = this.waiting.length;
      this.waiting = [frame];
      this.needsKeyframe = false;
      return skipped;
    }
    if (this.needsKeyframe) return 1;
    if (this.waiting.length >= this.maxWaiting) {
      const skipped = this.waiting.length + 1;
      this.waiting = [];
      this.needsKeyframe = true;
      return skipped;
    }
    this.waiting.push(frame);
    return 0;
  }

  take(): OutgoingFrame | undefined {
    return this.waiting.shift();
  }
}
