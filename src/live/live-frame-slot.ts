/**
 * The live pipeline's only queue: one slot holding the newest frame that no worker has taken
 * yet. A frame that arrives while the slot is full replaces the older one, which is counted as
 * dropped — when inference falls behind, the newest frame wins and latency stays bounded.
 */
export class LiveFrameSlot<T> {
  private item: T | undefined;
  private droppedCount = 0;

  /** Puts the newest item in; returns the stale one it replaced, if any. */
  put(item: T): T | undefined {
    const stale = this.item;
    if (stale !== undefined) this.droppedCount++;
    this.item = item;
    return stale;
  }

  /** Takes the item out, leaving the slot empty. */
  take(): T | undefined {
    const item = this.item;
    this.item = undefined;
    return item;
  }

  /** Empties the slot without counting a drop (the source restarted, the run is stopping). */
  clear(): void {
    this.item = undefined;
  }

  get full(): boolean {
    return this.item !== undefined;
  }

  /** Items replaced before anyone took them. */
  get dropped(): number {
    return this.droppedCount;
  }
}
