import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RawVideoToFrames } from '../../src/decode/raw-video-to-frames.js';
import type { Frame } from '../../src/types.js';

async function split(
  chunks: Uint8Array[],
  width: number,
  height: number,
): Promise<{ frames: Frame[]; leftover: number }> {
  const splitter = new RawVideoToFrames({ width, height, ptsMs: (i) => i * 40 });
  Readable.from(chunks.map((c) => Buffer.from(c))).pipe(splitter);
  const frames: Frame[] = [];
  for await (const frame of splitter as AsyncIterable<Frame>) frames.push(frame);
  return { frames, leftover: splitter.leftoverBytes };
}

describe('RawVideoToFrames', () => {
  const width = 3;
  const height = 2;
  const frameBytes = width * height * 3;
  const bytes = Uint8Array.from({ length: frameBytes * 3 }, (_, i) => i % 256);

  it('cuts frames out of chunks of any size, each with its own buffer', async () => {
    for (const chunkSize of [1, 7, frameBytes, frameBytes + 5, bytes.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize)
        chunks.push(bytes.subarray(i, i + chunkSize));
      const { frames, leftover } = await split(chunks, width, height);
      expect(frames.map((f) => [f.index, f.ptsMs])).toEqual([
        [0, 0],
        [1, 40],
        [2, 80],
      ]);
      frames.forEach((f, i) => {
        expect(Array.from(f.data)).toEqual(
          Array.from(bytes.subarray(i * frameBytes, (i + 1) * frameBytes)),
        );
        expect(f.data.byteLength).toBe(f.data.buffer.byteLength); // transferable without a copy
      });
      expect(leftover).toBe(0);
    }
  });

  it('reports a frame cut short at the end of the stream', async () => {
    const { frames, leftover } = await split([bytes.subarray(0, frameBytes + 4)], width, height);
    expect(frames).toHaveLength(1);
    expect(leftover).toBe(4);
  });
});
