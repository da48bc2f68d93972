/**
 * Where a live run records its stylized frames (`--record`). Recording never slows the viewers:
 * `offer` never blocks and a recorder that cannot keep up drops frames rather than queue them.
 */
import type { Frame } from '../types.js';

export interface LiveRecorder {
  /** Hands over one stylized frame, in order of capture. */
  offer(frame: Frame): void;
  /** Writes what is left and completes the file. */
  finish(): Promise<void>;
  /** Stops and leaves no partial file behind. */
  abort(): Promise<void>;
}
