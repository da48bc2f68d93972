import { describe, expect, it } from 'vitest';
import type { EncodedFrame } from '../../src/encode/frame-encoder.js';
import { H264FrameEncoder } from '../../src/encode/h264-frame-encoder.js';
import { spawnFfmpeg } from '../../src/ffmpeg.js';
import type { Frame } from '../../src/types.js';

const [WIDTH, HEIGHT] = [64, 48];

function solidFrame(index: number, rgb: [number, number, number]): Frame {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { index, ptsMs: index * 40, width: WIDTH, height: HEIGHT, data };
}

/** AVC access units (4-byte lengths) as an Annex B stream (start codes), SPS and PPS first. */
function annexB(config: Buffer, units: Buffer[]): Buffer {
  const startCode = Buffer.from([0, 0, 0, 1]);
  const parts: Buffer[] = [];
  // avcC: version, profile, compatibility, level, length size, SPS count, then length + SPS …
  let at = 6;
  const spsLength = config.readUInt16BE(at);
  parts.push(startCode, config.subarray(at + 2, at + 2 + spsLength));
  at += 2 + spsLength + 1; // and the PPS count
  const ppsLength = config.readUInt16BE(at);
  parts.push(startCode, config.subarray(at + 2, at + 2 + ppsLength));
  for (const unit of units) {
    for (let offset = 0; offset < unit.length;) {
      const length = unit.readUInt32BE(offset);
      parts.push(startCode, unit.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
  }
  return Buffer.concat(parts);
}

/** Decodes an Annex B stream with ffmpeg: the mean RGB of each frame. */
async function decodeMeans(stream: Buffer): Promise<[number, number, number][]> {
  const run = spawnFfmpeg(
    ['-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      task: 'decoding the test stream',
      stdin: true,
      stdout: true,
    },
  );
  const chunks: Buffer[] = [];
  run.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  run.stdin!.end(stream);
  await run.done;
  const raw = Buffer.concat(chunks);
  const frameBytes = WIDTH * HEIGHT * 3;
  const means: [number, number, number][] = [];
  for (let at = 0; at + frameBytes <= raw.length; at += frameBytes) {
    const sum = [0, 0, 0];
    for (let i = at; i < at + frameBytes; i += 3) {
      sum[0]! += raw[i]!;
      sum[1]! += raw[i + 1]!;
      sum[2]! += raw[i + 2]!;
    }
    means.push(sum.map((value) => value / (WIDTH * HEIGHT)) as [number, number, number]);
  }
  return means;
}

describe('H264FrameEncoder', () => {
  it('encodes frames in order, one access unit each, a keyframe (with its config) every interval', async () => {
    const encoder = new H264FrameEncoder({
      width: WIDTH,
      height: HEIGHT,
      fps: 25,
      bitrate: 500_000,
      keyframeInterval: 10,
    });
    const colours: [number, number, number][] = [
      [200, 30, 30],
      [30, 200, 30],
    ];
    // Given all at once, without waiting: each promise still gets its own frame.
    const frames = Array.from({ length: 25 }, (_, i) => solidFrame(i, colours[i < 12 ? 0 : 1]!));
    const encoded: EncodedFrame[] = await Promise.all(frames.map((frame) => encoder.encode(frame)));
    await encoder.close();

    expect(encoded.map((frame) => frame.keyframe)).toEqual(frames.map((_, i) => i % 10 === 0));
    const config = encoded[0]!.config!;
    expect(config[0]).toBe(1); // avcC version
    expect(config[1]).toBe(66); // baseline profile
    for (const frame of encoded) expect(frame.config !== undefined).toBe(frame.keyframe);

    // The units decode, in order, to the colours given (from a late keyframe too).
    const means = await decodeMeans(
      annexB(
        config,
        encoded.map((frame) => frame.data),
      ),
    );
    expect(means).toHaveLength(25);
    expect(means[5]![0]).toBeGreaterThan(150);
    expect(means[20]![1]).toBeGreaterThan(150);
    const fromLateKeyframe = await decodeMeans(
      annexB(
        encoded[20]!.config!,
        encoded.slice(20).map((frame) => frame.data),
      ),
    );
    expect(fromLateKeyframe).toHaveLength(5);
    expect(fromLateKeyframe[4]![1]).toBeGreaterThan(150);
  });

  it('refuses a frame of another size, and fails what is waiting when ffmpeg dies', async () => {
    const encoder = new H264FrameEncoder({
      width: WIDTH,
      height: HEIGHT,
      fps: 25,
      bitrate: 500_000,
      keyframeInterval: 10,
    });
    await expect(
      encoder.encode({ ...solidFrame(0, [0, 0, 0]), width: 32, data: new Uint8Array(32 * 48 * 3) }),
    ).rejects.toThrow('Expected a 64x48 frame for this encoder, got 32x48');
    await encoder.encode(solidFrame(0, [1, 2, 3]));
    process.kill(encoder.processId!, 'SIGKILL');
    await expect(encoder.encode(solidFrame(1, [1, 2, 3]))).rejects.toThrow(
      /ffmpeg quit with a signal while encoding H.264/,
    );
    await encoder.close();
  });
});
