import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../helpers/media.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveSource } from '../../src/decode/live-source.js';
import { probeMedia } from '../../src/decode/probe.js';
import { ffmpegPath } from '../../src/ffmpeg.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { LiveRun } from '../../src/live/live-run.js';
import type { LiveOptions } from '../../src/live/live-options.js';
import { readJpegFrameTag } from '../../src/stream/jpeg-frame-tag.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import {
  meanColour,
  slowedStylizer,
  TestViewer,
  writeStyleImages,
  type StyleImages,
  startTestLive,
  watchLive,
} from '../stream/live-test-helpers.js';

const SIZE = { width: 320, height: 180 };

let pool: InferencePool;
let stylizer: Stylizer;
let styleImages: StyleImages;
let stylePaths: string[];
const work = tempDir('stylecast-live-pipeline-');
const workDir = work.dir;

beforeAll(async () => {
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu' });
  stylizer = poolStylizer(pool);
  styleImages = await writeStyleImages();
  stylePaths = styleImages.paths;
});

afterAll(async () => {
  await pool?.close();
  await styleImages?.remove();
  work.cleanup();
});

const start = (overrides: Partial<LiveOptions> = {}, using = stylizer): Promise<LiveRun> =>
  startTestLive(using, stylePaths, { size: SIZE, ...overrides });

const watch = watchLive;

/** The frames a viewer got after the first `after` frames whose tags say they were captured later. */
function framesAfter(viewer: TestViewer, index: number): Buffer[] {
  return viewer.frames.filter((frame) => (readJpegFrameTag(frame)?.index ?? -1) > index);
}

describe('a live run', () => {
  it('streams stylized, tagged JPEG frames and applies a style change from a viewer', async () => {
    const run = await start();
    expect(run.state).toBe('live');
    try {
      const viewer = await watch(run);
      expect(viewer.ofType('hello')[0]).toMatchObject({ ...SIZE, fps: 15 });
      await viewer.waitFor(() => viewer.frames.length >= 5, 'five frames');
      const tags = viewer.frames.map((frame) => readJpegFrameTag(frame)!);
      expect(tags.every((tag, i) => i === 0 || tag.index > tags[i - 1]!.index)).toBe(true);
      const [red, , blue] = await meanColour(viewer.frames.at(-1)!);
      expect(red).toBeGreaterThan(blue);

      const stats = await viewer.waitFor(
        () => viewer.ofType('stats').find((s) => s.fps > 0 && s.viewerFps > 0),
        'stats with frames flowing',
      );
      expect(stats.viewers).toBe(1);
      expect(stats.latencyMs.p95).toBeGreaterThan(0);

      const lastBefore = readJpegFrameTag(viewer.frames.at(-1)!)!.index;
      viewer.send({ type: 'style', styles: [{ name: 'blue', weight: 1 }] });
      await viewer.nextOfType('settings', 0);
      // Frames captured after the change was applied (two in flight may predate it).
      const changed = await viewer.waitFor(
        () => framesAfter(viewer, lastBefore + 4)[0],
        'a frame after the change',
      );
      const [red2, , blue2] = await meanColour(changed);
      expect(blue2).toBeGreaterThan(red2);
      expect(run.controls.settings.styles).toEqual([{ name: 'blue', weight: 1 }]);
      viewer.close();
    } finally {
      const summary = await run.stop();
      expect(summary.reason).toBe('stopped');
      expect(summary.sentFrames).toBeGreaterThan(0);
      expect(run.state).toBe('stopped');
    }
  });

  it('records the stylized stream while it is watched', async () => {
    const output = join(workDir, 'recorded.mp4');
    const run = await start({ record: output });
    const viewer = await watch(run);
    await viewer.waitFor(() => viewer.frames.length >= 10, 'ten frames');
    const summary = await run.stop();
    expect(summary.recordedFrames).toBeGreaterThan(0);
    const info = await probeMedia(output);
    expect(info).toMatchObject(SIZE);
    expect((await stat(output)).size).toBeGreaterThan(0);
    viewer.close();
  });

  it('refuses a recording it cannot write before starting anything', async () => {
    await expect(start({ record: join(workDir, 'missing', 'out.mp4') })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
    });
  });

  it('stops the run and leaves no partial file when the recorder dies', async () => {
    const output = join(workDir, 'killed.mp4');
    const run = await start({ record: output });
    const viewer = await watch(run);
    await viewer.waitFor(() => viewer.frames.length >= 3, 'three frames');
    // The recorder's ffmpeg is the one writing the hidden temporary file.
    const found = spawnSync('pgrep', ['-f', `.killed.mp4.${process.pid}.partial`], {
      encoding: 'utf8',
    });
    const pids = found.stdout.trim().split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await expect(run.done).rejects.toThrow(/ffmpeg|stopped reading/);
    expect(viewer.ofType('source').at(-1)?.source.state).toBe('lost');
    await viewer.waitFor(() => viewer.closeCode, 'close');
    const left = (await readdir(workDir)).filter((name) => name.includes('killed'));
    expect(left).toEqual([]);
  });

  it('ends cleanly when a file source ends', async () => {
    const clip = join(workDir, 'short.mp4');
    makeClip(clip, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 1);
    const run = await start({ source: parseLiveSource(clip) });
    const viewer = await watch(run);
    const summary = await run.done;
    expect(summary.reason).toBe('ended');
    expect(summary.sourceFrames).toBeGreaterThan(0);
    await viewer.waitFor(() => viewer.closeCode, 'close');
    expect(viewer.ofType('source').at(-1)?.source.state).toBe('ended');
    expect(viewer.closeCode).toBe(1001);
  });

  it('tells viewers when a stream dies mid-way, retries, then gives up cleanly', async () => {
    const bytes = await streamClip(); // half of it is still more than ffmpeg's stream analysis
    let connections = 0;
    // Serves half the stream, then cuts the connection: a camera unplugged mid-stream.
    const streamServer: Server = createServer((request, response) => {
      connections++;
      response.writeHead(200, { 'Content-Type': 'video/mp2t' });
      response.write(bytes.subarray(0, bytes.length >> 1), () => {
        setTimeout(() => response.socket?.destroy(), 200);
      });
    });
    await new Promise<void>((resolve) => streamServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(streamServer.address() as AddressInfo).port}/live.ts`;
    try {
      const run = await start({
        source: parseLiveSource(url),
        size: undefined,
        fps: undefined,
        retry: 1,
        retryDelayMs: 100,
      });
      expect(run.video).toEqual({ ...SIZE, fps: 15 });
      const viewer = await watch(run);
      const outcome = await run.done.then(
        (summary) => summary.reason,
        (error: { code?: string }) => error.code,
      );
      expect(['ended', 'SOURCE_FAILED']).toContain(outcome);
      expect(run.counts().source).toBeGreaterThan(0); // it died mid-stream, not at the start
      const states = viewer.ofType('source').map((m) => m.source.state);
      expect(states).toContain('retrying');
      expect(['ended', 'lost']).toContain(states.at(-1));
      expect(connections).toBeGreaterThanOrEqual(2); // probe + first attempt + the retry
      await viewer.waitFor(() => viewer.closeCode, 'close');
    } finally {
      streamServer.closeAllConnections();
      await new Promise((resolve) => streamServer.close(resolve));
    }
  });

  it('keeps retrying a stream that is not up at the start, and tells viewers', async () => {
    const bytes = await streamClip();
    // Refuses the first three requests (the start's probe and two retries): a stream not up yet.
    const late = await serveStream((request, response, count) => {
      if (count <= 3) return response.writeHead(503).end();
      response.writeHead(200, { 'Content-Type': 'video/mp2t' }).end(bytes);
    });
    try {
      const sources: string[] = [];
      const run = await start({
        source: parseLiveSource(late.url),
        size: undefined,
        fps: undefined,
        retry: 5,
        retryDelayMs: 300,
        onSource: (status) => sources.push(status.state),
      });
      expect(run.video).toEqual({ width: 0, height: 0, fps: 0 });
      expect(run.state).toBe('opening');
      const viewer = await watch(run);
      const hello = viewer.ofType('hello')[0]!;
      expect(hello).toMatchObject({ width: 0, height: 0, fps: 0 });
      const retrying = await viewer.waitFor(
        () =>
          hello.source.state === 'retrying'
            ? hello.source
            : viewer.ofType('source').find((m) => m.source.state === 'retrying')?.source,
        'a retrying source',
      );
      expect(retrying.message).toMatch(/^Cannot open http:\/\/127\.0\.0\.1:\d+\/live\.ts: /);
      const video = await viewer.nextOfType('video', 0);
      expect(video).toMatchObject({ ...SIZE, fps: 15 });
      expect(run.video).toEqual({ ...SIZE, fps: 15 });
      await viewer.waitFor(() => viewer.frames.length >= 3, 'frames once the stream is up');
      expect(run.state).toBe('live');
      expect(viewer.ofType('source').map((m) => m.source.state)).toContain('live');
      expect(sources.slice(0, 3)).toEqual(['retrying', 'retrying', 'retrying']);
      await run.stop();
      viewer.close();
    } finally {
      await late.close();
    }
  });

  it('gives up on a stream that never comes up with the reason it could not be opened', async () => {
    const never = await serveStream((request, response) => response.writeHead(404).end());
    try {
      const run = await start({
        source: parseLiveSource(never.url),
        retry: 2,
        retryDelayMs: 100,
      });
      const viewer = await watch(run);
      await expect(run.done).rejects.toMatchObject({
        code: 'SOURCE_FAILED',
        message: expect.stringMatching(/^Cannot open http:.*404/),
      });
      await viewer.waitFor(() => viewer.closeCode, 'close');
      const states = viewer.ofType('source').map((m) => m.source);
      expect(states.at(-1)).toMatchObject({ state: 'lost' });
      expect(never.requests()).toBe(3); // the start, then two retries
    } finally {
      await never.close();
    }
  });

  it('fails the start, serving nothing, when a source cannot be opened and there is no retry', async () => {
    const never = await serveStream((request, response) => response.writeHead(404).end());
    try {
      await expect(start({ source: parseLiveSource(never.url) })).rejects.toMatchObject({
        code: 'SOURCE_FAILED',
        message: expect.stringMatching(/^Cannot open http:.*404/),
      });
      expect(never.requests()).toBe(1);
    } finally {
      await never.close();
    }
  });

  it('stops every stage when inference keeps failing, and says why', async () => {
    const broken: Stylizer = {
      ...stylizer,
      concurrency: 1,
      stylize: () => Promise.reject(new Error('worker crashed')),
    };
    const run = await start({}, broken);
    const viewer = await watch(run);
    await expect(run.done).rejects.toThrow('worker crashed');
    await viewer.waitFor(() => viewer.closeCode, 'close');
    expect(viewer.ofType('source').at(-1)?.source).toMatchObject({ state: 'lost' });
  });

  it('with size auto, settles at a smaller size when the stylizer cannot keep up, and tells every viewer', async () => {
    const slowed = slowedStylizer(stylizer);
    const record = join(workDir, 'auto.mp4');
    const run = await start({ size: 'auto', fps: 30, record }, slowed);
    try {
      expect(run.video).toMatchObject({ width: 1280, height: 720, fps: 30 });
      const viewers = [await watch(run), await watch(run)];
      const first = viewers[0]!;
      await first.waitFor(() => first.ofType('video').length > 0, 'a video message');
      const settled = first.ofType('video')[0]!;
      expect(settled.width).toBeLessThan(1280);
      expect(settled.width / settled.height).toBeCloseTo(16 / 9, 1);
      expect((settled.width % 16) + (settled.height % 16)).toBe(0);
      await viewers[1]!.waitFor(() => viewers[1]!.ofType('video').length > 0, 'video');
      expect(viewers[1]!.ofType('video')[0]).toEqual(settled);
      // Frames now travel at the working size.
      const seen = first.frames.length;
      await first.waitFor(() => first.frames.length >= seen + 3, 'three more frames');
      const meta = await sharp(first.frames.at(-1)!).metadata();
      expect({ width: meta.width, height: meta.height }).toEqual({
        width: run.video.width,
        height: run.video.height,
      });
      expect(run.video.width).toBeLessThan(1280);
    } finally {
      await run.stop();
    }
    // The recording keeps the size the run started at.
    expect(await probeMedia(record)).toMatchObject({ width: 1280, height: 720 });
  }, 60_000);

  it('stops on its AbortSignal', async () => {
    const controller = new AbortController();
    const run = await start({ signal: controller.signal });
    const viewer = await watch(run);
    await viewer.waitFor(() => viewer.frames.length >= 2, 'two frames');
    controller.abort();
    expect((await run.done).reason).toBe('stopped');
    await viewer.waitFor(() => viewer.closeCode, 'close');
  });
});

/**
 * A 12-s MPEG-TS clip with a keyframe every second, as a network stream would carry it: longer
 * than ffmpeg's 5 s of stream analysis (which `-fflags nobuffer` does not shorten), so frames
 * flow once it is read.
 */
async function streamClip(): Promise<Buffer> {
  const clip = join(workDir, 'stream.ts');
  if (!existsSync(clip)) {
    const codec = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p'];
    makeClip(clip, [...codec, '-f', 'mpegts'], 12);
  }
  return readFile(clip);
}

function makeClip(path: string, codecArgs: string[], seconds: number): void {
  const result = spawnSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${SIZE.width}x${SIZE.height}:rate=15:duration=${seconds}`,
    ...codecArgs,
    '-y',
    path,
  ]);
  if (result.status !== 0) throw new Error(String(result.stderr));
}

/** A local HTTP server standing in for a network camera; `respond` gets the request count. */
async function serveStream(
  respond: (request: IncomingMessage, response: ServerResponse, count: number) => void,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((request, response) => respond(request, response, ++count));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.ts`,
    requests: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
