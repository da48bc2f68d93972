import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import sharp from 'sharp';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveSource } from '../../src/decode/live-source.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { startLive, type LiveRun } from '../../src/live/live-run.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { LiveControls } from '../../src/stream/live-controls.js';
import { startStreamServer } from '../../src/stream/stream-server.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import {
  slowedStylizer,
  TestViewer,
  writeStyleImages,
  type StyleImages,
} from './live-test-helpers.js';

interface ViewerState {
  framesDrawn: number;
  settings: { styles: { name: string; weight: number }[]; alpha: number | number[] } | null;
  gallery: { name: string }[];
  stats: { viewers: number } | null;
  drawLatencies: number[];
}

// The callbacks given to page.evaluate run in the page, where these exist.
interface PageCanvas {
  width: number;
  height: number;
  textContent: string | null;
  clientWidth: number;
  getContext(kind: '2d'): {
    drawImage(image: PageCanvas, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const window: { stylecast: ViewerState };
declare const document: {
  getElementById(id: string): PageCanvas | null;
  createElement(tag: 'canvas'): PageCanvas;
};

let browser: Browser;
let pool: InferencePool;
let run: LiveRun;
let styleImages: StyleImages;

beforeAll(async () => {
  browser = await launchChromium();
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu' });
  styleImages = await writeStyleImages();
  const gallery = await StyleGallery.fromFiles(styleImages.paths, {
    maxUploadBytes: 1 << 20,
    maxUploads: 4,
  });
  run = await startLive(poolStylizer(pool), {
    source: parseLiveSource('testsrc'),
    size: { width: 320, height: 180 },
    fps: 15,
    gallery,
    settings: { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
    server: { port: 0, token: 'tok en/+', statsIntervalMs: 250 },
  });
});

afterAll(async () => {
  await run?.stop();
  await browser?.close();
  await pool?.close();
  await styleImages?.remove();
});

const state = (page: Page): Promise<ViewerState> => page.evaluate(() => window.stylecast);

/** Mean RGB of what the canvas shows. */
const canvasColour = (page: Page): Promise<[number, number, number]> =>
  page.evaluate(() => {
    // The page's canvas is a bitmaprenderer one: read it through a 2D copy.
    const canvas = document.getElementById('video')!;
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext('2d')!;
    context.drawImage(canvas, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      sum[0]! += data[i]!;
      sum[1]! += data[i + 1]!;
      sum[2]! += data[i + 2]!;
    }
    const n = data.length / 4;
    return [sum[0]! / n, sum[1]! / n, sum[2]! / n] as [number, number, number];
  });

/** Waits for the page to draw `count` more frames. */
async function framesLater(page: Page, count: number): Promise<void> {
  const start = (await state(page)).framesDrawn;
  await page.waitForFunction((target) => window.stylecast.framesDrawn >= target, start + count);
}

describe('viewer page in Chromium', () => {
  it('draws frames, shows stats, and changes the style for everyone from the page', async () => {
    const page = await browser.newPage();
    const other = await browser.newPage();
    try {
      await page.goto(run.url);
      await other.goto(run.url);
      await framesLater(page, 3);
      // The frames are decoded and drawn by the page's stream worker, off its main thread.
      expect(page.workers().map((worker) => new URL(worker.url()).pathname)).toEqual([
        '/stream-worker.js',
      ]);
      expect(await page.evaluate(() => document.getElementById('video')!.width)).toBe(320);
      const [red, , blue] = await canvasColour(page);
      expect(red).toBeGreaterThan(blue);

      await page.waitForFunction(
        () => document.getElementById('stat-viewers')!.textContent === '2',
      );
      await page.waitForFunction(() =>
        /^\d+ ms to screen/.test(document.getElementById('stat-latency')!.textContent!),
      );
      expect((await state(page)).drawLatencies.length).toBeGreaterThan(0);

      await page.click('#gallery li[data-name="blue"] button');
      await other.waitForFunction(() => window.stylecast.settings?.styles[0]?.name === 'blue');
      await framesLater(page, 5);
      const [red2, , blue2] = await canvasColour(page);
      expect(blue2).toBeGreaterThan(red2);
      expect(await other.locator('#gallery li.active').getAttribute('data-name')).toBe('blue');

      // The alpha slider reaches the server and the other page.
      await page.locator('#alpha').fill('0.3');
      await other.waitForFunction(() => window.stylecast.settings?.alpha === 0.3);
      expect(run.controls.settings.alpha).toBe(0.3);
    } finally {
      await page.close();
      await other.close();
    }
  });

  it('with size auto, draws the smaller working size at the same display size and shows it', async () => {
    const gallery = await StyleGallery.fromFiles(styleImages.paths, {
      maxUploadBytes: 1 << 20,
      maxUploads: 4,
    });
    const auto = await startLive(slowedStylizer(poolStylizer(pool)), {
      source: parseLiveSource('testsrc'),
      size: 'auto',
      fps: 30,
      gallery,
      settings: { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
      server: { port: 0 },
    });
    const page = await browser.newPage();
    try {
      await page.goto(auto.url);
      await framesLater(page, 2);
      const shown = () => page.evaluate(() => document.getElementById('video')!.clientWidth);
      const displayWidth = await shown();
      await page.waitForFunction(() => document.getElementById('video')!.width < 1280);
      await framesLater(page, 3);
      const canvas = await page.evaluate(() => document.getElementById('video')!.width);
      expect(canvas).toBe(auto.video.width);
      expect(await shown()).toBe(displayWidth);
      expect(await page.evaluate(() => document.getElementById('stat-size')!.textContent)).toBe(
        `${auto.video.width}×${auto.video.height}`,
      );
      const [red, , blue] = await canvasColour(page);
      expect(red).toBeGreaterThan(blue);
    } finally {
      await page.close();
      await auto.stop();
    }
  }, 60_000);

  it('uploads a style image from the page', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(run.url);
      await page.waitForFunction(() => window.stylecast.gallery.length === 2);
      const png = await sharp({
        create: { width: 48, height: 48, channels: 3, background: '#10d010' },
      })
        .png()
        .toBuffer();
      await page.setInputFiles('#upload', {
        name: 'leaf green.png',
        mimeType: 'image/png',
        buffer: png,
      });
      await page.waitForFunction(() => window.stylecast.settings?.styles[0]?.name === 'leaf-green');
      expect((await state(page)).gallery.map((item) => item.name)).toContain('leaf-green');
      expect(await page.locator('#gallery img[alt="leaf-green"]').count()).toBe(1);
    } finally {
      await page.close();
    }
  });

  it('shows a per-level alpha set by another client', async () => {
    // A server alone (no model) whose controls take four levels, like the `fast` model.
    const gallery = await StyleGallery.fromFiles(styleImages.paths, {
      maxUploadBytes: 1 << 20,
      maxUploads: 4,
    });
    const controls = await LiveControls.create(
      gallery,
      { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
      async () => undefined,
      { levels: 4 },
    );
    const server = await startStreamServer({
      port: 0,
      controls,
      video: { width: 320, height: 180, fps: 30 },
      stats: () => ({ fps: 0, sourceFps: 0, latencyMs: { p50: 0, p95: 0 }, drops: 0 }),
    });
    const page = await browser.newPage();
    const client = await TestViewer.open(`ws://127.0.0.1:${server.port}/ws`);
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => window.stylecast.settings !== null);
      client.send({ type: 'alpha', alpha: [0.1, 0.4, 0.7, 1] });
      await page.waitForFunction(
        () => document.getElementById('alpha-value')!.textContent === '0.10 · 0.40 · 0.70 · 1.00',
      );
      expect(await page.locator('#alpha').inputValue()).toBe('0.55');
      // Moving the slider sets one strength for every level again.
      await page.locator('#alpha').fill('0.8');
      await client.waitFor(
        () => client.ofType('settings').some((m) => m.settings.alpha === 0.8),
        'a single alpha',
      );
    } finally {
      client.close();
      await page.close();
      await server.close();
    }
  });

  it('refuses the page and the socket without the token', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(run.url.replace(/\?token=.*$/, ''));
      expect(response?.status()).toBe(401);
    } finally {
      await page.close();
    }
  });
});
