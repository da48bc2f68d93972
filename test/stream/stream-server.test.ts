import { connect } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveControls } from '../../src/stream/live-controls.js';
import type { LiveSettings } from '../../src/live/live-types.js';
import { readJpegFrameTag, tagJpegFrame } from '../../src/stream/jpeg-frame-tag.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import {
  startStreamServer,
  type StreamServer,
  type StreamServerOptions,
} from '../../src/stream/stream-server.js';
import { pngBase64, TestViewer, writeStyleImages, type StyleImages } from './live-test-helpers.js';

const INITIAL: LiveSettings = {
  styles: [{ name: 'red', weight: 1 }],
  alpha: 1,
  preserveColor: false,
};
const MAX_UPLOAD = 64 * 1024;
/** The model the server's controls check per-level alphas against has this many levels. */
const LEVELS = 4;

let styleImages: StyleImages;
let servers: StreamServer[] = [];

beforeAll(async () => {
  styleImages = await writeStyleImages();
});
afterAll(() => styleImages?.remove());
let viewers: TestViewer[] = [];

afterEach(async () => {
  for (const viewer of viewers) viewer.close();
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  viewers = [];
});

async function startServer(overrides: Partial<StreamServerOptions> = {}) {
  const gallery = await StyleGallery.fromFiles(styleImages.paths, {
    maxUploadBytes: MAX_UPLOAD,
    maxUploads: 2,
  });
  const controls = await LiveControls.create(gallery, INITIAL, async () => undefined, {
    levels: LEVELS,
  });
  const server = await startStreamServer({
    port: 0,
    controls,
    video: { width: 320, height: 180, fps: 30 },
    stats: () => ({ fps: 30, sourceFps: 30, latencyMs: { p50: 10, p95: 20 }, drops: 0 }),
    statsIntervalMs: 200,
    maxMessageBytes: 128 * 1024,
    ...overrides,
  });
  servers.push(server);
  return { server, controls, gallery };
}

function socketUrl(server: StreamServer, query = ''): string {
  return `ws://127.0.0.1:${server.port}/ws${query}`;
}

async function open(server: StreamServer, query = '', options = {}): Promise<TestViewer> {
  const viewer = await TestViewer.open(socketUrl(server, query), options);
  viewers.push(viewer);
  await viewer.nextOfType('hello', 0);
  return viewer;
}

/** Sends a request line exactly as written (no URL normalisation, unlike fetch). */
function rawGet(
  port: number,
  path: string,
  host = `127.0.0.1:${port}`,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
  });
}

async function noiseJpeg(side: number, seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

describe('stream server', () => {
  it('greets with hello, then sends stats, and counts viewers', async () => {
    const { server } = await startServer();
    const viewer = await open(server);
    const hello = viewer.ofType('hello')[0]!;
    expect(viewer.messages[0]!.type).toBe('hello');
    expect(hello).toMatchObject({
      protocol: 2,
      codecs: ['h264', 'jpeg'],
      codec: 'jpeg',
      width: 320,
      height: 180,
      fps: 30,
      levels: LEVELS,
      settings: INITIAL,
    });
    expect(hello.gallery.map((item) => item.name)).toEqual(['red', 'blue']);
    expect(hello.gallery[0]!.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
    await open(server);
    const stats = await viewer.waitFor(
      () => viewer.ofType('stats').find((s) => s.viewers === 2),
      'stats with 2 viewers',
    );
    expect(stats).toMatchObject({ fps: 30, latencyMs: { p50: 10, p95: 20 }, drops: 0 });
    expect(server.viewerCount).toBe(2);
  });

  it('refuses a list of codecs it cannot send', async () => {
    await expect(startServer({ codecs: ['vp9' as 'jpeg'] })).rejects.toThrow(
      'Expected `codecs` to be a list of h264, jpeg, got `["vp9"]`',
    );
    await expect(startServer({ codecs: [] })).rejects.toThrow(/Expected `codecs`/);
  });

  it('serves the viewer page and only its own files', async () => {
    const { server } = await startServer();
    const page = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<canvas');
    expect((await fetch(`http://127.0.0.1:${server.port}/viewer.js`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/nothing.js`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST' })).status).toBe(405);
    for (const path of [
      '/../package.json',
      '/../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/viewer.js/../../../package.json',
      '//etc/passwd',
      '/..\\..\\package.json',
      '/stream-server.ts',
    ]) {
      const response = await rawGet(server.port, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body).not.toContain('"name"');
      expect(response.body).not.toContain('root:');
    }
  });

  it('refuses a page request under a foreign host name (DNS rebinding)', async () => {
    const { server } = await startServer();
    expect((await rawGet(server.port, '/', `evil.example:${server.port}`)).status).toBe(403);
    expect((await rawGet(server.port, '/', `localhost:${server.port}`)).status).toBe(200);
  });

  it('requires the token on the page and the socket when one is set', async () => {
    const { server } = await startServer({ token: 's3cret' });
    expect(server.url).toContain('?token=s3cret');
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=s3cret`)).status).toBe(200);
    await expect(TestViewer.open(socketUrl(server))).rejects.toThrow('HTTP 401');
    await expect(TestViewer.open(socketUrl(server, '?token=s3cre'))).rejects.toThrow('HTTP 401');
    const viewer = await open(server, '?token=s3cret');
    expect(viewer.ofType('hello')).toHaveLength(1);
  });

  it('checks the Origin of socket connections', async () => {
    const { server } = await startServer({ allowedOrigins: ['https://studio.example'] });
    await expect(
      TestViewer.open(socketUrl(server), { origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 403');
    await expect(
      TestViewer.open(socketUrl(server), { origin: `http://127.0.0.1:${server.port + 1}` }),
    ).rejects.toThrow('HTTP 403');
    await open(server, '', { origin: `http://127.0.0.1:${server.port}` });
    await open(server, '', { origin: 'https://studio.example' });
    await expect(TestViewer.open(`ws://127.0.0.1:${server.port}/other`)).rejects.toThrow(
      'HTTP 404',
    );
  });

  it('answers each malformed message with an error and changes nothing', async () => {
    const { server, controls } = await startServer();
    const viewer = await open(server);
    const other = await open(server);
    const bad: [unknown, string][] = [
      ['not json', 'NOT_JSON'],
      [{ type: 'nonsense' }, 'INVALID_MESSAGE'],
      [{ alpha: 0.5 }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: 1.7 }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: '0.5' }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: 0.5, extra: true }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: [0.5, 0.5] }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: [] }, 'INVALID_MESSAGE'],
      [{ type: 'alpha', alpha: [0.5, 0.5, 0.5, 1.5] }, 'INVALID_MESSAGE'],
      [{ type: 'preserveColor', preserveColor: 'yes' }, 'INVALID_MESSAGE'],
      [{ type: 'style', styles: [{ name: '../../etc/passwd' }] }, 'INVALID_MESSAGE'],
      [{ type: 'style', styles: [{ name: 'red', weight: -1 }] }, 'INVALID_MESSAGE'],
      [{ type: 'style', styles: [{ name: 'red', weight: 0 }] }, 'INVALID_MESSAGE'],
      [{ type: 'style', id: 7, styles: [{ name: 'green' }] }, 'UNKNOWN_STYLE'],
      [
        { type: 'style', styles: [{ name: 'blue' }, { upload: 'bm90IGFuIGltYWdl' }] },
        'UPLOAD_NOT_IMAGE',
      ],
      [{ type: 'style', styles: [{ upload: '!!!not base64!!!' }] }, 'UPLOAD_NOT_IMAGE'],
      [[1, 2, 3], 'INVALID_MESSAGE'],
      ['null', 'INVALID_MESSAGE'],
    ];
    for (const [message, code] of bad) {
      const before = viewer.ofType('error').length;
      viewer.send(message);
      const error = await viewer.nextOfType('error', before);
      expect(error.code, JSON.stringify(message)).toBe(code);
    }
    expect(viewer.ofType('error').find((e) => e.code === 'UNKNOWN_STYLE')?.id).toBe(7);
    viewer.socket.send(Buffer.from([1, 2, 3]));
    expect((await viewer.nextOfType('error')).code).toBe('UNEXPECTED_BINARY');
    expect(controls.settings).toEqual(INITIAL);
    expect(viewer.ofType('settings')).toHaveLength(0);
    expect(other.ofType('settings')).toHaveLength(0);
    expect(other.ofType('error')).toHaveLength(0);
    expect(viewer.closeCode).toBeUndefined();
  });

  it('sends every change to every viewer', async () => {
    const { server } = await startServer();
    const a = await open(server);
    const b = await open(server);
    a.send({ type: 'alpha', alpha: 0.25 });
    expect((await b.nextOfType('settings')).settings.alpha).toBe(0.25);
    b.send({
      type: 'style',
      styles: [
        { name: 'red', weight: 1 },
        { name: 'blue', weight: 3 },
      ],
    });
    const blended = await a.nextOfType('settings', 1);
    expect(blended.settings).toEqual({
      styles: [
        { name: 'red', weight: 1 },
        { name: 'blue', weight: 3 },
      ],
      alpha: 0.25,
      preserveColor: false,
    });
    a.send({ type: 'preserveColor', preserveColor: true });
    expect((await b.nextOfType('settings', 2)).settings.preserveColor).toBe(true);
    const late = await open(server);
    expect(late.ofType('hello')[0]!.settings.preserveColor).toBe(true);
  });

  it('takes a per-level alpha for everyone, and refuses one that does not fit the model', async () => {
    const { server, controls } = await startServer();
    const a = await open(server);
    const b = await open(server);
    a.send({ type: 'alpha', id: 1, alpha: [0.1, 0.4, 0.7, 1] });
    expect((await b.nextOfType('settings')).settings.alpha).toEqual([0.1, 0.4, 0.7, 1]);
    expect((await a.nextOfType('settings', 0)).settings.alpha).toEqual([0.1, 0.4, 0.7, 1]);
    expect(controls.settings.alpha).toEqual([0.1, 0.4, 0.7, 1]);

    b.send({ type: 'alpha', id: 2, alpha: [0.2, 0.2] });
    const error = await b.nextOfType('error', 0);
    expect(error).toMatchObject({ code: 'INVALID_MESSAGE', id: 2 });
    expect(error.message).toMatch(/one number or one per model level \(4\), got 2 values/);
    expect(controls.settings.alpha).toEqual([0.1, 0.4, 0.7, 1]);

    // Back to one number for every level.
    b.send({ type: 'alpha', alpha: 0.5 });
    expect((await a.nextOfType('settings', 1)).settings.alpha).toBe(0.5);
    expect(a.ofType('error')).toHaveLength(0);
  });

  it('adds a decodable upload to everyone’s gallery and refuses oversized ones', async () => {
    const { server, gallery } = await startServer();
    const a = await open(server);
    const b = await open(server);
    a.send({
      type: 'style',
      styles: [{ upload: `data:image/png;base64,${await pngBase64('#20c020')}`, name: 'green' }],
    });
    const update = await b.nextOfType('gallery', 0);
    expect(update.gallery.map((item) => item.name)).toEqual(['red', 'blue', 'green']);
    expect((await b.nextOfType('settings', 0)).settings.styles).toEqual([
      { name: 'green', weight: 1 },
    ]);

    // Over the upload limit but under the message limit: an error, the socket stays open.
    const big = Buffer.alloc(MAX_UPLOAD + 1000, 7).toString('base64');
    a.send({ type: 'style', styles: [{ upload: big }] });
    expect((await a.nextOfType('error')).code).toBe('UPLOAD_TOO_LARGE');
    expect(gallery.size).toBe(3);

    // Over the message limit: ws closes the socket with 1009 (message too big).
    a.send({ type: 'style', styles: [{ upload: 'A'.repeat(200 * 1024) }] });
    await a.waitFor(() => a.closeCode, 'close');
    expect(a.closeCode).toBe(1009);
    expect(b.closeCode).toBeUndefined();

    // Uploads beyond the limit push out the oldest one not in use.
    b.send({ type: 'style', styles: [{ upload: await pngBase64('#000080') }] });
    await b.nextOfType('gallery', 1);
    b.send({ type: 'style', styles: [{ upload: await pngBase64('#800000') }] });
    const last = await b.nextOfType('gallery', 2);
    expect(last.gallery.filter((item) => item.uploaded)).toHaveLength(2);
    expect(last.gallery.map((item) => item.name)).toEqual(['red', 'blue', 'upload-1', 'upload-2']);
  });

  it('lets a stalled viewer skip frames without slowing a fast one', async () => {
    const { server } = await startServer({ maxBufferedBytes: 256 * 1024 });
    const fast = await open(server);
    const slow = await open(server);
    slow.socket.pause(); // stops reading: its TCP window fills, then the server's buffer for it
    const frames = await Promise.all(Array.from({ length: 4 }, (_, i) => noiseJpeg(600, i + 1)));
    const total = 60;
    for (let i = 0; i < total; i++) {
      server.broadcastFrame('jpeg', {
        bytes: frames[i % frames.length]!,
        index: i,
        keyframe: true,
      });
      // Each frame waits for the fast viewer, so a fast viewer that kept up got every one.
      await fast.waitFor(() => fast.frames.length > i, `frame ${i} at the fast viewer`);
    }
    expect(fast.frames).toHaveLength(total);
    slow.socket.resume();
    const slowStats = await fast.waitFor(
      () => slow.ofType('stats').find((s) => s.viewerSkipped > 0),
      'a stats message that counts skipped frames',
    );
    expect(slowStats.viewerSkipped).toBeGreaterThan(0);
    expect(slow.frames.length).toBeLessThan(total);
  });

  it('paces a viewer that acknowledges frames: at most four on their way', async () => {
    const { server } = await startServer();
    const viewer = await open(server);
    viewer.send({ type: 'ack', index: 0 }); // this client acknowledges: pace it by its acks
    const jpeg = await noiseJpeg(16, 1);
    const indices = () => viewer.frames.map((_, i) => i);
    await viewer.nextOfType('stats', 0); // the ack has arrived (messages are in order)
    for (let index = 1; index <= 6; index++) {
      server.broadcastFrame('jpeg', {
        bytes: tagJpegFrame(jpeg, { index, captureMs: 0 }),
        index,
        keyframe: true,
      });
      if (index <= 4) await viewer.waitFor(() => viewer.frames.length === index, `frame ${index}`);
    }
    // Frames 5 and 6 wait (the newer replacing the older) until the client acknowledges more.
    await viewer.nextOfType('stats');
    expect(indices()).toHaveLength(4);
    viewer.send({ type: 'ack', index: 4 });
    await viewer.waitFor(() => viewer.frames.length === 5, 'the frame that waited');
    expect(viewer.frames.map((frame) => readJpegFrameTag(frame)!.index)).toEqual([1, 2, 3, 4, 6]);
  });

  it('terminates a viewer that stops answering pings', async () => {
    const { server } = await startServer({ heartbeatMs: 200 });
    const dead = await open(server, '', { autoPong: false });
    const alive = await open(server);
    await dead.waitFor(() => dead.closeCode, 'the dead viewer to be cut off');
    expect(dead.closeCode).toBe(1006); // terminated, not closed politely
    expect(alive.closeCode).toBeUndefined();
    await alive.waitFor(() => server.viewerCount === 1, 'one viewer left');
  });

  it('says goodbye to viewers when it closes', async () => {
    const { server } = await startServer();
    const viewer = await open(server);
    server.setSource({ state: 'ended', message: 'done' });
    await server.close();
    expect(viewer.ofType('source').at(-1)?.source).toEqual({ state: 'ended', message: 'done' });
    await viewer.waitFor(() => viewer.closeCode, 'close');
    expect(viewer.closeCode).toBe(1001);
  });

  it('refuses new viewers while it says goodbye to the others', async () => {
    const { server } = await startServer();
    const viewer = await open(server);
    viewer.socket.pause(); // does not answer the close: the server waits out its grace period
    const closed = server.close();
    await expect(TestViewer.open(socketUrl(server))).rejects.toThrow('HTTP 404');
    viewer.socket.resume();
    await closed;
  });

  it('tells a plain HTTP request for the socket path to upgrade', async () => {
    const { server } = await startServer();
    const response = await fetch(`http://127.0.0.1:${server.port}/ws`);
    expect(response.status).toBe(426);
    expect(await response.text()).toBe('Connect with a WebSocket\n');
  });

  it('refuses viewers beyond the limit', async () => {
    const { server } = await startServer({ maxViewers: 1 });
    const first = await open(server);
    await expect(TestViewer.open(socketUrl(server))).rejects.toThrow('HTTP 503');
    first.close();
    await first.waitFor(() => server.viewerCount === 0, 'the first viewer to leave');
    await open(server);
  });

  it('says which port is taken', async () => {
    const { server } = await startServer();
    await expect(startServer({ port: server.port })).rejects.toThrow(/in use/);
    await expect(startServer({ port: 70000 })).rejects.toThrow(
      'Expected `port` to be an integer from 0 to 65535, got `70000`',
    );
  });
});
