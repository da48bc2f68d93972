/**
 * The viewer page in real headless Chromium, by how it decodes: H.264 through WebCodecs where the
 * page is a secure context (127.0.0.1), through MSE where it is not (`http://viewer.test`, mapped
 * to loopback by Chromium's resolver), and JPEG where neither is there or the server sends only
 * JPEG.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { LiveRun } from '../../src/live/live-run.js';
import type { LiveOptions } from '../../src/live/live-options.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { viewerDirectory } from '../../src/stream/viewer-files.js';
import { launchChromium } from '../helpers/chromium.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import { startTestLive, writeStyleImages, type StyleImages } from './live-test-helpers.js';

interface ViewerState {
  framesDrawn: number;
  decoder: string | null;
  codec: string | null;
  settings: { styles: { name: string }[] } | null;
}
// The callbacks given to page.evaluate run in the page, where these exist.
interface PageElement {
  width: number;
  height: number;
  videoWidth: number;
  videoHeight: number;
  hidden: boolean;
  textContent: string | null;
}
interface Context2d {
  drawImage(image: PageElement, x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
declare const window: { stylecast: ViewerState };
declare const document: {
  getElementById(id: string): PageElement | null;
  createElement(tag: 'canvas'): PageElement & { getContext(kind: '2d'): Context2d | null };
};

let browser: Browser;
let pool: InferencePool;
let styleImages: StyleImages;

beforeAll(async () => {
  browser = await launchChromium(['--host-resolver-rules=MAP viewer.test 127.0.0.1']);
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu' });
  styleImages = await writeStyleImages();
});

afterAll(async () => {
  await browser?.close();
  await pool?.close();
  await styleImages?.remove();
});

const start = (overrides: Partial<LiveOptions> = {}): Promise<LiveRun> =>
  // The non-secure name the MSE test opens the page by.
  startTestLive(poolStylizer(pool), styleImages.paths, {
    server: { port: 0, statsIntervalMs: 250, allowedOrigins: ['http://viewer.test'] },
    ...overrides,
  });

const state = (page: Page): Promise<ViewerState> => page.evaluate(() => window.stylecast);

async function framesLater(page: Page, count: number): Promise<void> {
  const start = (await state(page)).framesDrawn;
  await page.waitForFunction((target) => window.stylecast.framesDrawn >= target, start + count);
}

/** Mean RGB of what the page shows: its canvas, or the <video> MSE plays in. */
const shownColour = (page: Page): Promise<[number, number, number]> =>
  page.evaluate(() => {
    const canvas = document.getElementById('video')!;
    const video = document.getElementById('video-mse')!;
    const shown = video.hidden ? canvas : video;
    const width = video.hidden ? canvas.width : video.videoWidth;
    const height = video.hidden ? canvas.height : video.videoHeight;
    const copy = document.createElement('canvas');
    copy.width = width;
    copy.height = height;
    const context = copy.getContext('2d')!;
    context.drawImage(shown, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      sum[0]! += data[i]!;
      sum[1]! += data[i + 1]!;
      sum[2]! += data[i + 2]!;
    }
    const n = data.length / 4;
    return [sum[0]! / n, sum[1]! / n, sum[2]! / n] as [number, number, number];
  });

/** Opens the page, waits for frames, checks the colour, switches the style and checks again. */
async function watchAndRestyle(page: Page, url: string, run: LiveRun): Promise<void> {
  await page.goto(url);
  await framesLater(page, 5);
  const [red, , blue] = await shownColour(page);
  expect(red).toBeGreaterThan(blue);
  await run.controls.apply({ type: 'style', styles: [{ name: 'blue', weight: 1 }] });
  await page.waitForFunction(() => window.stylecast.settings?.styles[0]?.name === 'blue');
  await framesLater(page, 10);
  const [red2, , blue2] = await shownColour(page);
  expect(blue2).toBeGreaterThan(red2);
}

describe('viewer page codecs', () => {
  it('decodes H.264 with WebCodecs on localhost (a secure context), drawn on the canvas', async () => {
    const run = await start();
    const page = await browser.newPage();
    try {
      await watchAndRestyle(page, run.url, run);
      expect(await state(page)).toMatchObject({ decoder: 'webcodecs', codec: 'h264' });
      expect(await page.evaluate(() => document.getElementById('video-mse')!.hidden)).toBe(true);
      await page.waitForFunction(() =>
        /^H\.264 \(WebCodecs\), [\d.]+ Mbit\/s$/.test(
          document.getElementById('stat-stream')!.textContent!,
        ),
      );
      // A page that joins mid-stream starts at the next keyframe (its decoder accepts nothing
      // else first) and shows the same picture.
      const late = await browser.newPage();
      try {
        await late.goto(run.url);
        await framesLater(late, 5);
        expect(await late.evaluate(() => document.getElementById('error')!.hidden)).toBe(true);
        const [red, , blue] = await shownColour(late);
        expect(blue).toBeGreaterThan(red);
      } finally {
        await late.close();
      }
    } finally {
      await page.close();
      await run.stop();
    }
  });

  it('plays H.264 through MSE where the page is not a secure context', async () => {
    const run = await start();
    const page = await browser.newPage();
    try {
      const url = run.url.replace('127.0.0.1', 'viewer.test');
      await watchAndRestyle(page, url, run);
      expect(await state(page)).toMatchObject({ decoder: 'mse', codec: 'h264' });
      expect(await page.evaluate(() => document.getElementById('video')!.hidden)).toBe(true);
      expect(
        await page.evaluate(() => document.getElementById('stat-stream')!.textContent),
      ).toMatch(/^H\.264 \(MSE\)/);
    } finally {
      await page.close();
      await run.stop();
    }
  });

  it('falls back to JPEG where the browser has neither WebCodecs nor MSE', async () => {
    // A browser without MSE in workers: the viewer served with the worker's MediaSource taken
    // away before it runs, on the non-secure origin (no WebCodecs either).
    const viewer = await mkdtemp(join(tmpdir(), 'stylecast-viewer-'));
    await cp(viewerDirectory(), viewer, { recursive: true });
    const worker = join(viewer, 'stream-worker.js');
    await writeFile(worker, `delete self.MediaSource;\n${await readFile(worker, 'utf8')}`);
    const run = await start({
      server: {
        port: 0,
        allowedOrigins: ['http://viewer.test'],
        viewerDirectory: viewer,
      },
    });
    const page = await browser.newPage();
    try {
      await watchAndRestyle(page, run.url.replace('127.0.0.1', 'viewer.test'), run);
      expect(await state(page)).toMatchObject({ decoder: 'jpeg', codec: 'jpeg' });
    } finally {
      await page.close();
      await run.stop();
      await rm(viewer, { recursive: true, force: true });
    }
  });

  it('shows JPEG when the server sends only JPEG (--viewer-codec jpeg)', async () => {
    const run = await start({ viewerCodec: 'jpeg' });
    const page = await browser.newPage();
    try {
      await watchAndRestyle(page, run.url, run);
      expect(await state(page)).toMatchObject({ decoder: 'webcodecs', codec: 'jpeg' });
    } finally {
      await page.close();
      await run.stop();
    }
  });
});
