import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFfmpeg } from '../../src/ffmpeg.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { LiveRun } from '../../src/live/live-run.js';
import type { LiveOptions } from '../../src/live/live-options.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { readH264Frame, type H264FrameMessage } from '../../src/stream/h264-frame-message.js';
import { readJpegFrameTag } from '../../src/stream/jpeg-frame-tag.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import {
  startTestLive,
  TestViewer,
  watchLive,
  writeStyleImages,
  type StyleImages,
} from '../stream/live-test-helpers.js';

let pool: InferencePool;
let styleImages: StyleImages;

beforeAll(async () => {
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu' });
  styleImages = await writeStyleImages();
});

afterAll(async () => {
  await pool?.close();
  await styleImages?.remove();
});

const start = (overrides: Partial<LiveOptions> = {}): Promise<LiveRun> =>
  startTestLive(poolStylizer(pool), styleImages.paths, overrides);

const watch = watchLive;

const h264Frames = (viewer: TestViewer): H264FrameMessage[] =>
  viewer.frames.map(readH264Frame).filter((frame) => frame !== undefined);

/** AVC access units back to an Annex B stream from a keyframe's config, decoded by ffmpeg. */
async function decodedFrameCount(frames: H264FrameMessage[]): Promise<number> {
  const config = frames[0]!.config!;
  const startCode = Buffer.from([0, 0, 0, 1]);
  const spsLength = config.readUInt16BE(6);
  const ppsAt = 6 + 2 + spsLength + 1;
  const parts = [
    startCode,
    config.subarray(8, 8 + spsLength),
    startCode,
    config.subarray(ppsAt + 2, ppsAt + 2 + config.readUInt16BE(ppsAt)),
  ];
  for (const { accessUnit } of frames) {
    for (let at = 0; at < accessUnit.length; at += 4 + accessUnit.readUInt32BE(at)) {
      parts.push(startCode, accessUnit.subarray(at + 4, at + 4 + accessUnit.readUInt32BE(at)));
    }
  }
  const run = spawnFfmpeg(
    ['-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      task: 'decoding what a viewer got',
      stdin: true,
      stdout: true,
    },
  );
  let bytes = 0;
  run.stdout!.on('data', (chunk: Buffer) => (bytes += chunk.length));
  run.stdin!.end(Buffer.concat(parts));
  await run.done;
  return bytes / (320 * 180 * 3);
}

describe('viewer codecs', () => {
  it('a viewer that decodes H.264 gets H.264 from a keyframe on; a late one starts at the next keyframe', async () => {
    const run = await start();
    try {
      const first = await watch(run);
      const hello = first.ofType('hello')[0]!;
      expect(hello).toMatchObject({ protocol: 2, codecs: ['h264', 'jpeg'], codec: 'jpeg' });
      first.send({ type: 'codecs', codecs: ['h264', 'jpeg'] });
      expect(await first.nextOfType('codec', 0)).toEqual({ type: 'codec', codec: 'h264' });
      await first.waitFor(() => h264Frames(first).length >= 20, 'twenty H.264 frames');
      const frames = h264Frames(first);
      expect(frames[0]!.tag).toMatchObject({ keyframe: true, width: 320, height: 180 });
      expect(frames[0]!.tag.codec).toMatch(/^avc1\.42/);
      // Keyframes every second (15 frames): frame 15 after the first is the next one.
      expect(frames.slice(0, 16).map((frame) => frame.tag.keyframe)).toEqual(
        Array.from({ length: 16 }, (_, i) => i === 0 || i === 15),
      );
      const indices = frames.map((frame) => frame.tag.index);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      expect(await decodedFrameCount(frames)).toBe(frames.length);

      // A viewer that joins mid-stream gets nothing until the next keyframe, then all of it.
      const late = await watch(run);
      late.send({ type: 'codecs', codecs: ['h264'] });
      await late.waitFor(() => h264Frames(late).length >= 3, 'three frames for the late viewer');
      const lateFrames = h264Frames(late);
      expect(lateFrames[0]!.tag.keyframe).toBe(true);
      expect(lateFrames[0]!.config).toBeDefined();
      const sameFrame = h264Frames(first).find((f) => f.tag.index === lateFrames[0]!.tag.index);
      expect(sameFrame?.accessUnit.equals(lateFrames[0]!.accessUnit)).toBe(true); // one encoder
      expect(await decodedFrameCount(lateFrames)).toBe(lateFrames.length);
      first.close();
      late.close();
    } finally {
      await run.stop();
    }
  });

  it('a client that names no codec gets tagged JPEG, as in protocol 1', async () => {
    const run = await start();
    try {
      const viewer = await watch(run);
      await viewer.waitFor(() => viewer.frames.length >= 2, 'two frames');
      expect(viewer.frames.every((frame) => readJpegFrameTag(frame) !== undefined)).toBe(true);
      viewer.close();
    } finally {
      await run.stop();
    }
  });

  it('--viewer-codec jpeg refuses H.264 with an error and keeps sending JPEG', async () => {
    const run = await start({ viewerCodec: 'jpeg' });
    try {
      const viewer = await watch(run);
      expect(viewer.ofType('hello')[0]).toMatchObject({ codecs: ['jpeg'], codec: 'jpeg' });
      viewer.send({ type: 'codecs', codecs: ['h264'], id: 3 });
      expect(await viewer.nextOfType('error', 0)).toEqual({
        type: 'error',
        code: 'CODEC_UNSUPPORTED',
        message: 'This server sends jpeg; none of h264',
        id: 3,
      });
      const seen = viewer.frames.length;
      await viewer.waitFor(() => viewer.frames.length >= seen + 2, 'more frames');
      expect(readJpegFrameTag(viewer.frames.at(-1)!)).toBeDefined();
      viewer.close();
    } finally {
      await run.stop();
    }
  });

  it('--viewer-codec h264 sends nothing until the viewer asks for H.264', async () => {
    const run = await start({ viewerCodec: 'h264' });
    try {
      const viewer = await watch(run);
      expect(viewer.ofType('hello')[0]).toMatchObject({ codecs: ['h264'], codec: null });
      await viewer.nextOfType('stats', 0);
      await viewer.nextOfType('stats', 1);
      expect(viewer.frames).toHaveLength(0);
      viewer.send({ type: 'codecs', codecs: ['jpeg', 'h264'] });
      expect(await viewer.nextOfType('codec', 0)).toEqual({ type: 'codec', codec: 'h264' });
      await viewer.waitFor(() => h264Frames(viewer).length >= 2, 'H.264 frames');
      expect(h264Frames(viewer)).toHaveLength(viewer.frames.length);
      viewer.close();
    } finally {
      await run.stop();
    }
  });
});
