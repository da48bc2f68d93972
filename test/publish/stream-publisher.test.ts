/**
 * `publish` against a real media server: nginx with its RTMP module, started here. The stylized
 * stream is pulled back from it with ffmpeg (H.264, the working size, the style's colour; the
 * source's tone as AAC where it has one); the server is killed mid-stream (the page and the
 * recording go on, the publisher retries) and started again (publishing resumes); the working
 * size changes mid-stream (a player keeps playing, its frames take the new size, the tone goes
 * on). No timings are asserted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveSource } from '../../src/decode/live-source.js';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PCM_AUDIO } from '../../src/decode/pcm-audio.js';
import { ffmpegPath, spawnFfmpeg, type FfmpegProcess } from '../../src/ffmpeg.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { LiveOptions } from '../../src/live/live-options.js';
import { startLive, type LiveRun } from '../../src/live/live-run.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { parsePublishTarget } from '../../src/publish/publish-target.js';
import { StreamPublisher, type PublishStatus } from '../../src/publish/stream-publisher.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { startRtmpServer, type TestRtmpServer } from '../helpers/nginx-rtmp.js';
import { errorLines, runCli, startCli } from '../helpers/run-cli.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import { TestViewer, writeStyleImages, type StyleImages } from '../stream/live-test-helpers.js';
import { startTlsFront, type TlsFront } from './tls-front.js';

const WIDTH = 320;
const HEIGHT = 180;

interface Pulled {
  frames: number;
  /** ffmpeg's description of the stream it played. */
  streamInfo: string;
  /** ffmpeg's description of the audio stream beside it; empty when there is none. */
  audioInfo: string;
  /** Mean red and blue of the frames. */
  red: number;
  blue: number;
}

/** Everything a player writes to stdout until it exits (stopped after 30 s: against hanging, not a timing). */
async function outputOf(player: FfmpegProcess): Promise<Buffer> {
  const chunks: Buffer[] = [];
  player.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const guard = setTimeout(() => void player.stop(), 30_000);
  try {
    await player.done;
  } finally {
    clearTimeout(guard);
  }
  return Buffer.concat(chunks);
}

/** Plays `count` frames of a stream from the server, decoded to RGB, as any player would. */
async function pull(url: string, count: number): Promise<Pulled> {
  const log: string[] = [];
  const player = spawnFfmpeg(
    ['-i', url, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { task: `playing ${url}`, stdout: true, logLevel: 'info', onStderrLine: (l) => log.push(l) },
  );
  const data = await outputOf(player);
  let red = 0;
  let blue = 0;
  for (let i = 0; i < data.length; i += 3) {
    red += data[i]!;
    blue += data[i + 2]!;
  }
  const pixels = Math.max(1, data.length / 3);
  return {
    frames: data.length / (WIDTH * HEIGHT * 3),
    streamInfo: log.find((line) => /Stream #.*Video:/.test(line)) ?? '',
    audioInfo: log.find((line) => /Stream #.*Audio:/.test(line)) ?? '',
    red: red / pixels,
    blue: blue / pixels,
  };
}

/** Plays `seconds` of a stream's audio, as 16-bit mono: how much came, and how loud it was. */
async function pullAudio(url: string, seconds: number): Promise<{ seconds: number; rms: number }> {
  const rate = 8000;
  const player = spawnFfmpeg(
    [
      '-i',
      url,
      '-map',
      '0:a:0',
      '-t',
      String(seconds),
      '-f',
      's16le',
      '-ac',
      '1',
      '-ar',
      String(rate),
      'pipe:1',
    ],
    { task: `playing the audio of ${url}`, stdout: true },
  );
  const data = await outputOf(player);
  const samples = Math.floor(data.length / 2);
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += data.readInt16LE(i * 2) ** 2;
  return { seconds: samples / rate, rms: Math.sqrt(sum / Math.max(1, samples)) };
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Waits, polling, until `check` holds; a guard against hanging, not a timing assertion. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let rtmp: TestRtmpServer;
/** RTMPS to `rtmp`, with a certificate the test's own CA signed: no CA the system trusts did. */
let front: TlsFront;
let pool: InferencePool;
let styleImages: StyleImages;
let gallery: StyleGallery;
const temp = tempDir('stylecast-publish-');
/** A test pattern with a 440 Hz tone. */
let clip: string;

beforeAll(async () => {
  rtmp = await startRtmpServer();
  front = await startTlsFront(rtmp.port);
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu', workers: 1 });
  styleImages = await writeStyleImages();
  gallery = await StyleGallery.fromFiles(styleImages.paths, {
    maxUploadBytes: 1 << 20,
    maxUploads: 4,
  });
  clip = await makeClip(join(temp.dir, 'tone.mp4'), { width: WIDTH, height: HEIGHT, fps: 15 });
});

afterAll(async () => {
  await front?.close();
  await rtmp?.remove();
  await pool?.close();
  await styleImages?.remove();
  temp.cleanup();
});

/** A live run of the test pattern in the red style, publishing to `url`. */
const liveTo = (url: string, more: Partial<LiveOptions> = {}): Promise<LiveRun> =>
  startLive(poolStylizer(pool), {
    source: parseLiveSource('testsrc'),
    size: { width: WIDTH, height: HEIGHT },
    fps: 15,
    gallery,
    settings: { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
    server: { port: 0 },
    publish: [url],
    retryDelayMs: 200,
    ...more,
  });

/** A live run of the clip, looping, publishing to `url`. */
const clipTo = (url: string, more: Partial<LiveOptions> = {}): Promise<LiveRun> =>
  liveTo(url, { source: parseLiveSource(clip), loop: true, fps: undefined, ...more });

describe('publishing to nginx-rtmp', () => {
  let run: LiveRun | undefined;
  afterAll(() => run?.stop());

  it('serves the stylized stream as H.264, and resumes after the server is killed and back', async () => {
    const statuses: PublishStatus[] = [];
    const wentLive = () => statuses.filter((status) => status.state === 'live').length;
    const record = join(temp.dir, 'recorded.mp4');
    run = await liveTo(rtmp.streamUrl('cam'), {
      record,
      onPublish: (status) => statuses.push(status),
    });
    await until(() => wentLive() === 1, 'the publisher to go live');

    const first = await pull(rtmp.streamUrl('cam'), 8);
    expect(first.frames).toBe(8);
    expect(first.streamInfo).toMatch(/Video: h264 .*\b320x180\b/);
    expect(first.audioInfo).toBe(''); // the test pattern has no audio: none is made up
    expect(first.red).toBeGreaterThan(first.blue); // the red style, not the test pattern's own

    const viewer = await TestViewer.open(`${run.url.replace(/^http/, 'ws')}ws`);
    await viewer.waitFor(() => viewer.frames.length >= 3, 'frames on the page');

    await rtmp.kill();
    await until(() => statuses.some((status) => status.state === 'retrying'), 'a retry');
    const retrying = statuses.find((status) => status.state === 'retrying')!;
    expect(retrying).toMatchObject({ target: `rtmp://127.0.0.1:${rtmp.port}/live/***` });
    // The page keeps getting frames while the server is down.
    const before = viewer.frames.length;
    await viewer.waitFor(() => viewer.frames.length >= before + 10, 'frames while down');

    await rtmp.start();
    await until(() => wentLive() === 2, 'publishing to resume');
    const again = await pull(rtmp.streamUrl('cam'), 8);
    expect(again.frames).toBe(8);
    expect(again.streamInfo).toMatch(/Video: h264 .*\b320x180\b/);

    viewer.close();
    const summary = await run.stop();
    run = undefined;
    expect(summary.reason).toBe('stopped');
    // The recording went on through the outage.
    expect(summary.recordedFrames).toBeGreaterThan(0);
    expect(summary.published).toEqual([
      expect.objectContaining({ target: retrying.target, connections: 2 }),
    ]);
    expect(summary.published![0]!.frames).toBeGreaterThan(0);
    expect(existsSync(record)).toBe(true);
  }, 120_000);
});

describe("publishing the source's audio", () => {
  it('sends it as AAC beside the H.264, both again after the server is killed and back', async () => {
    const statuses: PublishStatus[] = [];
    const wentLive = () => statuses.filter((status) => status.state === 'live').length;
    const run = await clipTo(rtmp.streamUrl('tone'), {
      onPublish: (status) => statuses.push(status),
    });
    try {
      await until(() => wentLive() === 1, 'the publisher to go live');
      const pulled = await pull(rtmp.streamUrl('tone'), 8);
      expect(pulled.frames).toBe(8);
      expect(pulled.streamInfo).toMatch(/Video: h264 .*\b320x180\b/);
      expect(pulled.audioInfo).toMatch(/Audio: aac .*48000 Hz, stereo/);
      // Two seconds of it, through the clip's loop: the tone, not silence.
      const heard = await pullAudio(rtmp.streamUrl('tone'), 2);
      expect(heard.seconds).toBeGreaterThan(1.9);
      expect(heard.rms).toBeGreaterThan(1000);

      const viewer = await TestViewer.open(`${run.url.replace(/^http/, 'ws')}ws`);
      await rtmp.kill();
      await until(() => statuses.some((status) => status.state === 'retrying'), 'a retry');
      const before = viewer.frames.length;
      await viewer.waitFor(() => viewer.frames.length >= before + 10, 'frames while down');
      viewer.close();

      await rtmp.start();
      await until(() => wentLive() === 2, 'publishing to resume');
      const again = await pull(rtmp.streamUrl('tone'), 8);
      expect(again.frames).toBe(8);
      expect(again.audioInfo).toMatch(/Audio: aac /);
      expect((await pullAudio(rtmp.streamUrl('tone'), 1)).rms).toBeGreaterThan(1000);
    } finally {
      await run.stop();
    }
  }, 120_000);

  it('keeps it with the picture on the same connection through a source that drops and is retried', async () => {
    // The source: the clip pushed to the same server by an ffmpeg of the test's own, killed and
    // started again (a camera's stream going down and coming back).
    const push = () =>
      spawnFfmpeg(
        [
          '-re',
          '-stream_loop',
          '-1',
          '-i',
          clip,
          '-c',
          'copy',
          '-f',
          'flv',
          rtmp.streamUrl('source'),
        ],
        { task: 'pushing the source' },
      );
    let pusher = push();
    const sources: string[] = [];
    const statuses: PublishStatus[] = [];
    let run: LiveRun | undefined;
    try {
      run = await liveTo(rtmp.streamUrl('relayed'), {
        source: parseLiveSource(rtmp.streamUrl('source')),
        fps: undefined,
        retry: 100,
        stallMs: 1000,
        onSource: (status) => sources.push(status.state),
        onPublish: (status) => statuses.push(status),
      });
      await until(() => statuses.some((status) => status.state === 'live'), 'going live');
      expect((await pullAudio(rtmp.streamUrl('relayed'), 1)).rms).toBeGreaterThan(1000);

      await pusher.stop();
      await until(() => sources.includes('retrying'), 'the source to be retried');
      pusher = push();
      await until(() => sources.at(-1) === 'live', 'the source to be back');
      const pulled = await pull(rtmp.streamUrl('relayed'), 8);
      expect(pulled.frames).toBe(8);
      expect(pulled.audioInfo).toMatch(/Audio: aac /);
      expect((await pullAudio(rtmp.streamUrl('relayed'), 1)).rms).toBeGreaterThan(1000);
      // The media server kept the one stream: audio and video went on through the outage.
      expect(statuses.filter((status) => status.state !== 'live')).toEqual([]);
    } finally {
      await run?.stop();
      await pusher.stop();
    }
  }, 120_000);

  it('leaves it out with `mute`', async () => {
    const statuses: PublishStatus[] = [];
    const run = await clipTo(rtmp.streamUrl('muted'), {
      mute: true,
      onPublish: (status) => statuses.push(status),
    });
    try {
      await until(() => statuses.some((status) => status.state === 'live'), 'going live');
      const pulled = await pull(rtmp.streamUrl('muted'), 8);
      expect(pulled.frames).toBe(8);
      expect(pulled.streamInfo).toMatch(/Video: h264 /);
      expect(pulled.audioInfo).toBe('');
    } finally {
      await run.stop();
    }
  });
});

describe('publishing over RTMPS', () => {
  it('refuses a server whose certificate no trusted CA signed, says so and retries; the page goes on', async () => {
    const statuses: PublishStatus[] = [];
    const run = await liveTo(front.streamUrl('untrusted'), {
      onPublish: (status) => statuses.push(status),
    });
    try {
      const viewer = await TestViewer.open(`${run.url.replace(/^http/, 'ws')}ws`);
      await until(() => statuses.length >= 2, 'two refused connections');
      expect(statuses.slice(0, 2)).toEqual(
        [1, 2].map((attempt) => ({
          target: front.streamUrl('***'),
          state: 'retrying',
          attempt,
          retryInMs: 200 * attempt,
          message: "the server's certificate is not trusted: Peer certificate failed verification",
        })),
      );
      const before = viewer.frames.length;
      await viewer.waitFor(() => viewer.frames.length >= before + 10, 'frames after the refusals');
      viewer.close();
      expect(run.publishCounts()).toEqual([expect.objectContaining({ connections: 0 })]);
    } finally {
      await run.stop();
    }
  });

  it('reaches nginx-rtmp when `publishCa` names the CA that signed the certificate', async () => {
    const statuses: PublishStatus[] = [];
    const run = await liveTo(front.streamUrl('secure'), {
      publishCa: front.certificates.ca,
      onPublish: (status) => statuses.push(status),
    });
    try {
      await until(() => statuses.some((status) => status.state === 'live'), 'RTMPS to go live');
      expect(statuses.filter((status) => status.state === 'retrying')).toEqual([]);
      const pulled = await pull(rtmp.streamUrl('secure'), 8);
      expect(pulled.frames).toBe(8);
      expect(pulled.streamInfo).toMatch(/Video: h264 .*\b320x180\b/);
      expect(pulled.red).toBeGreaterThan(pulled.blue);
    } finally {
      await run.stop();
    }
  });

  it('refuses a `publishCa` that is missing or not a PEM certificate at the start', async () => {
    const missing = join(temp.dir, 'missing-ca.pem');
    await expect(liveTo(front.streamUrl('key'), { publishCa: missing })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: `Cannot read \`publishCa\` ${missing}: no such file`,
    });
    const { key } = front.certificates;
    await expect(liveTo(front.streamUrl('key'), { publishCa: key })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: `\`publishCa\` ${key} is not a PEM certificate`,
    });
  });
});

describe('publishing over SRT', () => {
  it('is refused in one line by an ffmpeg without SRT (the bundled one)', async () => {
    const bundled = ffmpegPath();
    await expect(liveTo('srt://127.0.0.1:9?streamid=secret')).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message:
        `Cannot publish to srt://127.0.0.1:9?***: the ffmpeg at ${bundled} has no srt output; ` +
        "set FFMPEG_PATH to an ffmpeg built with it (Debian's ffmpeg has srt)",
    });
  });

  it("reaches an SRT listener with Debian's ffmpeg (FFMPEG_PATH), the audio as AAC in MPEG-TS", async () => {
    const previous = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = '/usr/bin/ffmpeg';
    let run: LiveRun | undefined;
    try {
      const port = await freeUdpPort();
      // The receiving end listens; the publisher calls it (SRT's default mode), retrying until it is up.
      const received = pull(`srt://127.0.0.1:${port}?mode=listener`, 8);
      run = await clipTo(`srt://127.0.0.1:${port}`);
      const pulled = await received;
      expect(pulled.frames).toBe(8);
      expect(pulled.streamInfo).toMatch(/Video: h264 .*\b320x180\b/);
      expect(pulled.audioInfo).toMatch(/Audio: aac .*48000 Hz, stereo/);
      expect(pulled.red).toBeGreaterThan(pulled.blue);
    } finally {
      await run?.stop();
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
  });
});

describe('a new working size while publishing', () => {
  it('starts a keyframe at the new size on the same connection: a player keeps playing, and the tone goes on', async () => {
    const url = rtmp.streamUrl('resize');
    const statuses: PublishStatus[] = [];
    const publisher = new StreamPublisher({
      target: parsePublishTarget(url),
      video: { width: WIDTH, height: HEIGHT, fps: 15 },
      audio: true,
      firstDelayMs: 200,
      onStatus: (status) => statuses.push(status),
    });
    // Frames of the current size (a grey that x264 has something to encode) and a 440 Hz tone
    // beside them, as a live run hands them over.
    let size = { width: WIDTH, height: HEIGHT };
    let index = 0;
    const tone = new Int16Array((PCM_AUDIO.rate / 15) * PCM_AUDIO.channels);
    let sample = 0;
    const feed = setInterval(() => {
      const data = new Uint8Array(size.width * size.height * 3).map(
        (_, i) => (i * 7 + index) & 255,
      );
      publisher.offer({ index: index++, ptsMs: 0, ...size, data });
      for (let i = 0; i < tone.length; i += 2, sample++) {
        tone[i] = tone[i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * sample) / 48_000));
      }
      publisher.offerAudio(new Uint8Array(tone.buffer.slice(0)));
    }, 1000 / 15);
    // One player, from before the change to after it: the size of each frame it decodes.
    const sizes: string[] = [];
    const player = spawnFfmpeg(['-i', url, '-map', '0:v', '-vf', 'showinfo', '-f', 'null', '-'], {
      task: `playing ${url}`,
      logLevel: 'info',
      onStderrLine: (line) => {
        const shown = / s:(\d+x\d+) /.exec(line);
        if (shown) sizes.push(shown[1]!);
      },
    });
    const seen = (shown: string) => sizes.filter((each) => each === shown).length;
    try {
      await until(() => seen('320x180') >= 10, 'frames at the first size');
      size = { width: 160, height: 96 };
      await until(() => seen('160x96') >= 10, 'frames at the new size');
      expect(player.child.exitCode).toBeNull(); // the same player, still playing
      // Once at the new size, no frame of the old one.
      expect(sizes.slice(sizes.indexOf('160x96'))).not.toContain('320x180');
      const heard = await pullAudio(url, 1);
      expect(heard.rms).toBeGreaterThan(1000);
      // One connection throughout: nothing dropped it, nothing reconnected.
      expect(statuses.filter((status) => status.state === 'retrying')).toEqual([]);
      expect(publisher.counts()).toMatchObject({ connections: 1 });
    } finally {
      clearInterval(feed);
      await player.stop();
      await publisher.stop();
    }
  }, 120_000);
});

describe('a media server that never reads', () => {
  it('costs the caller nothing: frames are dropped, and the stalled connection is retried', async () => {
    // Accepts the TCP connection and never answers: RTMP's handshake never ends, so ffmpeg
    // takes a frame or two and then nothing.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const statuses: PublishStatus[] = [];
    const publisher = new StreamPublisher({
      target: parsePublishTarget(`rtmp://127.0.0.1:${port}/live/key`),
      video: { width: WIDTH, height: HEIGHT, fps: 15 },
      stallMs: 1000,
      firstDelayMs: 100,
      onStatus: (status) => statuses.push(status),
    });
    try {
      const data = new Uint8Array(WIDTH * HEIGHT * 3);
      for (let index = 0; !statuses.some((status) => status.state === 'retrying'); index++) {
        publisher.offer({ index, ptsMs: 0, width: WIDTH, height: HEIGHT, data });
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (index > 3000) throw new Error('The stalled connection was never dropped');
      }
      expect(statuses[0]).toEqual({
        target: `rtmp://127.0.0.1:${port}/live/***`,
        state: 'retrying',
        attempt: 1,
        retryInMs: 100,
        message: 'the connection took no frame for 1 s',
      });
      expect(publisher.counts()).toMatchObject({ connections: 0 });
      expect(publisher.counts().dropped).toBeGreaterThan(0);
    } finally {
      await publisher.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('stylecast live --publish', () => {
  it('refuses a URL it cannot publish to in one line', async () => {
    const { code, stdout, stderr } = await runCli([
      'live',
      '--input',
      'testsrc',
      '--model',
      TINY_MODEL,
      '--port',
      '0',
      '--publish',
      'http://media.lan/live/cam',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(errorLines(stderr)).toEqual([
      "error: option '--publish <url>' argument 'http://media.lan/live/cam' is invalid. " +
        'Expected `publish` to be an rtmp://host/app/stream, rtmps://host/app/stream or ' +
        'srt://host:port URL, got `http://media.lan/live/cam` (http protocol)',
    ]);
  });

  const liveArgs = (...more: string[]): string[] => [
    'live',
    '--input',
    'testsrc',
    '--size',
    `${WIDTH}x${HEIGHT}`,
    '--fps',
    '10',
    '--model',
    TINY_MODEL,
    '--port',
    '0',
    ...more,
  ];

  it('refuses a --publish-ca it cannot read in one line, before loading the model', async () => {
    const missing = join(temp.dir, 'no-ca.pem');
    const { code, stdout, stderr } = await runCli(
      liveArgs('--publish', front.streamUrl('key'), '--publish-ca', missing),
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(errorLines(stderr)).toEqual([
      `stylecast: Cannot read \`publishCa\` ${missing}: no such file`,
    ]);
  });

  it('logs a refused certificate as such, with the stream key hidden, and goes on', async () => {
    const live = startCli(liveArgs('--publish', front.streamUrl('SECRET-KEY')));
    let stderr = '';
    live.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await until(() => stderr.includes('retry 2'), 'two refused connections in the log');
    } finally {
      live.child.kill('SIGINT');
    }
    const { code } = await live.result;
    const refusal = (attempt: number) =>
      `Publishing to ${front.streamUrl('***')} failed (the server's certificate is not ` +
      `trusted: Peer certificate failed verification); retry ${attempt} in ${attempt}.0 s`;
    expect(errorLines(stderr)).toEqual(expect.arrayContaining([refusal(1), refusal(2)]));
    expect(stderr).not.toContain('SECRET-KEY');
    expect(code).toBe(130);
  });
});
