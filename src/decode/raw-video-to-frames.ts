import { Transform, type TransformCallback } from 'node:stream';
import type { Frame } from '../types.js';

export interface RawVideoLayout {
  width: number;
  height: number;
  /** Timestamp of frame `index` in milliseconds. */
  ptsMs: (index: number) => number;
  /** The index of the stream's first frame (a frame range starts mid-video); default 0. */
  firstIndex?: number;
}

/**
 * Splits a stream of packed RGB24 bytes into `Frame` objects. Each frame gets its own
 * ArrayBuffer so it can be transferred to a worker thread without a copy.
 */
export class RawVideoToFrames extends Transform {
  private readonly frameBytes: number;
  private current: Uint8Array;
  private filled = 0;
  private index: number;

  constructor(private readonly layout: RawVideoLayout) {
    super({ readableObjectMode: true, readableHighWaterMark: 2 });
    this.index = layout.firstIndex ?? 0;
    this.frameBytes = layout.width * layout.height * 3;
    this.current = new Uint8Array(this.frameBytes);
  }

  /** Bytes of a frame that was cut short when the stream ended (0 when none). */
  get leftoverBytes(): number {
    return this.filled;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        const frame: Frame = {
          index: this.index,
          ptsMs: this.layout.ptsMs(this.index),
          width: this.layout.width,
          height: this.layout.height,
          data: this.current,
        };
        this.index += 1;
        this.current = new Uint8Array(this.frameBytes);
        this.filled = 0;
        this.push(frame);
      }
    }
    callback();
  }
}
