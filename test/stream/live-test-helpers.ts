/** Shared by the live tests: style images, a real `ws` viewer that records what it receives. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { parseLiveSource } from '../../src/decode/live-source.js';
import { startLive, type LiveRun } from '../../src/live/live-run.js';
import type { LiveOptions } from '../../src/live/live-options.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import type { ServerMessage } from '../../src/stream/protocol.js';

/** Style images in a temporary folder; `remove` deletes the folder (call it in `afterAll`). */
export interface StyleImages {
  dir: string;
  paths: string[];
  remove(): Promise<void>;
}

/** Writes solid-colour PNGs named after their colours into a fresh temporary folder. */
export async function writeStyleImages(
  colours: Record<string, string> = { red: '#d02020', blue: '#2040e0' },
): Promise<StyleImages> {
  const dir = await mkdtemp(join(tmpdir(), 'stylecast-live-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const paths: string[] = [];
    for (const [name, background] of Object.entries(colours)) {
      const path = join(dir, `${name}.png`);
      await writeFile(
        path,
        await sharp({ create: { width: 64, height: 64, channels: 3, background } })
          .png()
          .toBuffer(),
      );
      paths.push(path);
    }
    return { dir, paths, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

export async function pngBase64(background: string, side = 32): Promise<string> {
  const png = await sharp({ create: { width: side, height: side, channels: 3, background } })
    .png()
    .toBuffer();
  return png.toString('base64');
}

/** Mean RGB of a JPEG. */
export async function meanColour(jpeg: Buffer): Promise<[number, number, number]> {
  const { channels } = await sharp(jpeg).stats();
  return [channels[0]!.mean, channels[1]!.mean, channels[2]!.mean];
}

/** A guard against hanging, not a timing assertion. */
const WAIT_MS = 30_000;

export class TestViewer {
  readonly messages: ServerMessage[] = [];
  readonly frames: Buffer[] = [];
  closeCode: number | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.frames.push(data);
      else this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestViewer> {
    const socket = new WebSocket(url, options);
    const viewer = new TestViewer(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(viewer));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`HTTP ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  ofType<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  /** Waits until `check` returns something other than undefined/false, and returns it. */
  async waitFor<T>(check: () => T | undefined | false, what = 'condition'): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the first message of `type` after the first `skip` of them. */
  nextOfType<T extends ServerMessage['type']>(type: T, skip = this.ofType(type).length) {
    return this.waitFor(() => this.ofType(type)[skip], `a \`${type}\` message`);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  close(): void {
    this.socket.terminate();
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

/**
 * `stylizer` slowed on purpose for `--size auto` tests: about 24 ms a frame at 768x432, 39 at
 * 960x544, 68 at 1280x720 (real inference, padded to that time), one frame at a time — it keeps
 * up with 30 fps only at 432p or below.
 */
export function slowedStylizer(stylizer: Stylizer): Stylizer {
  return {
    ...stylizer,
    concurrency: 1,
    model: { ...stylizer.model, card: { ...stylizer.model.card, sizeMultiple: 16 } },
    async stylize(frames, settings) {
      const startedMs = performance.now();
      const output = await stylizer.stylize(frames, settings);
      const targetMs = (frames[0]!.width * frames[0]!.height * frames.length) / 13_500;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, targetMs - (performance.now() - startedMs))),
      );
      return output;
    },
  };
}

/** A live run of the test pattern at 320x180, 15 fps, in the gallery's 'red' style, on a free port. */
export async function startTestLive(
  stylizer: Stylizer,
  stylePaths: readonly string[],
  overrides: Partial<LiveOptions> = {},
): Promise<LiveRun> {
  const gallery = await StyleGallery.fromFiles([...stylePaths], {
    maxUploadBytes: 1 << 20,
    maxUploads: 4,
  });
  return startLive(stylizer, {
    source: parseLiveSource('testsrc'),
    size: { width: 320, height: 180 },
    fps: 15,
    gallery,
    settings: { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
    server: { port: 0, statsIntervalMs: 250 },
    ...overrides,
  });
}

/** A socket viewer of the run, past its hello. */
export async function watchLive(run: LiveRun): Promise<TestViewer> {
  const viewer = await TestViewer.open(`ws://127.0.0.1:${run.server.port}/ws`);
  await viewer.nextOfType('hello', 0);
  return viewer;
}
