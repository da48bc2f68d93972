import type { Frame } from '../types.js';

/**
 * Puts frames that finish out of order back in order and hands each to `write`, one at a time.
 * A write that fails stops the rest; the failure is kept for `drain` to report.
 */
export class InOrder {
  private next = 0;
  private readonly held = new Map<number, Frame>();
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(
    private readonly write: (frame: Frame) => Promise<void>,
    first = 0,
  ) {
    this.next = first;
  }

  put(frame: Frame): void {
    if (this.failure) return;
    this.held.set(frame.index, frame);
    for (let ready = this.held.get(this.next); ready; ready = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next += 1;
      const frameToWrite = ready;
      this.writing = this.writing.then(async () => {
        if (!this.failure) await this.write(frameToWrite);
      });
      this.writing.catch((error: unknown) => {
        this.failure ??= error;
      });
    }
  }

  /** Waits for every frame handed over so far to be written; rethrows a write's failure. */
  async drain(): Promise<void> {
    await this.writing.catch(() => {});
    if (this.failure) throw this.failure;
  }
}
