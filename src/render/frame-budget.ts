/**
 * Bounds the frames between the decoder and the last sink: the decoder takes a slot before it
 * reads a frame, and the slot comes back when that frame has been written. Memory stays flat
 * however long the video is.
 */
export class FrameBudget {
  private used = 0;
  private open = true;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1))
      throw new RangeError(`Expected a frame budget of at least 1, got \`${limit}\``);
  }

  async take(signal?: AbortSignal): Promise<void> {
    while (this.open && this.used >= this.limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    this.used += 1;
  }

  give(): void {
    this.used -= 1;
    this.waiters.shift()?.();
  }

  /** Stops bounding: wakes everyone waiting now and later (used when the pipeline stops). */
  release(): void {
    this.open = false;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
