/**
 * `npm run bench:live`: the test pattern at 1280×720, 30 fps, stylized live with the default
 * model, watched by one viewer (headless Chromium), then by eight (the same page plus seven `ws`
 * clients in a worker thread). Reports per viewer: frames per second received or drawn; and
 * latency from capture to send (server) and capture to draw (browser), p50 and p95; what the page
 * spends per frame (decode, draw, main-thread time, and the CPU of each of Chromium's threads and
 * processes), measured from here without touching the page; and, once the run is over, what the
 * working size it settled on costs in style (see ./style-at-size.ts).
 *
 *   npm run bench:live -- [--model NAME|PATH] [--device cpu] [--seconds 10] [--size auto|WxH]
 *                          [--fps 30] [--viewers 8] [--workers N] [--threads N] [--quality 80]
 *                          [--codec auto|h264|jpeg] [--pages webcodecs,mse,jpeg] [--bitrate 3M]
 *                          [--throttled 1]
 *                          [--unstyled] [--socket-only] [--viewer DIR] [--no-style-score]
 *                          [--no-encoder-cost] [--json]
 *
 * `--codec` is the server's `--viewer-codec`; `--pages` the ways the page decodes, one set of
 * phases each, side by side in one run (`?decoder=`: H.264 with WebCodecs, H.264 through MSE, or
 * JPEG; the `ws` viewers ask for the same codec; default webcodecs,jpeg). Each phase also reports the
 * bit rate each viewer received. `--throttled MBITS` adds a third phase: the page, plus a second
 * page whose connection goes through a proxy passing MBITS megabits a second (0 skips it). After
 * the run, the encoders' cost per frame at each rung of the size ladder, JPEG and H.264 side by
 * side (./encoder-cost.ts; `--no-encoder-cost` skips it), and the model alone at the settled size.
 *
 * `--unstyled` sends the frames without inference: what the capture, JPEG and fan-out path
 * costs by itself. `--socket-only` watches with `ws` clients alone, no browser: what a viewer on
 * another machine would get when the browser does not share this machine's cores. `--viewer DIR`
 * serves another viewer page (an older one, to compare pages side by side). `--no-style-score` skips
 * the style scoring after the run.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { launchChromium } from '../test/helpers/chromium.js';
import { parseLiveSource } from '../src/decode/live-source.js';
import { parseSizeOption, SIZE_720P } from '../src/decode/working-size.js';
import { parseDevice } from '../src/infer/execution-provider.js';
import { DEFAULT_MODEL } from '../src/infer/find-model.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel, type ModelFiles } from '../src/infer/load-model.js';
import { startLive } from '../src/live/live-run.js';
import { percentile } from '../src/live/live-stats.js';
import { liveStyle } from '../src/live/live-style.js';
import { StyleGallery } from '../src/stream/style-gallery.js';
import { DEFAULT_STYLE } from '../src/stylizer/default-style.js';
import { poolStylizer } from '../src/stylizer/open-stylizer.js';
import { cpuSpent, readChromiumCpu, type CpuReading } from './chromium-cpu.js';
import { encoderCosts, sourceFrames, type EncoderCost } from './encoder-cost.js';
import { styleAtSize, type StyleAtSize } from './style-at-size.js';
import { startThrottleProxy } from './throttle-proxy.js';
import { parseBitrate } from '../src/options/options.js';
import {
  offeredCodecs,
  type ViewerCodec,
  type ViewerCodecChoice,
} from '../src/stream/viewer-transports.js';
import { sizeLadder } from '../src/live/size-controller.js';
import type { Browser, Page } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_MODEL },
    device: { type: 'string', default: 'auto' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    size: { type: 'string', default: 'auto' },
    fps: { type: 'string', default: '30' },
    viewers: { type: 'string', default: '8' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    quality: { type: 'string', default: '80' },
    codec: { type: 'string', default: 'auto' },
    pages: { type: 'string', default: 'webcodecs,jpeg' },
    bitrate: { type: 'string', default: '3M' },
    throttled: { type: 'string', default: '1' },
    'no-encoder-cost': { type: 'boolean', default: false },
    unstyled: { type: 'boolean', default: false },
    'socket-only': { type: 'boolean', default: false },
    viewer: { type: 'string' },
    'no-style-score': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const TINY = fileURLToPath(new URL('../test/fixtures/models/tiny', import.meta.url));
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 10) / 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

let model: ModelFiles;
let modelNote = '';
try {
  model = await loadModel(args.model);
} catch (error) {
  modelNote = `model \`${args.model}\` is not available (${(error as Error).message}); using the tiny test fixture instead`;
  log(modelNote);
  model = await loadModel(TINY);
}
const pool = await InferencePool.open(model, {
  device: parseDevice(args.device),
  workers: args.workers === undefined ? undefined : Number(args.workers),
  threads: args.threads === undefined ? undefined : Number(args.threads),
});
const gallery = await StyleGallery.fromFiles([DEFAULT_STYLE], {
  maxUploadBytes: 1 << 20,
  maxUploads: 1,
});
const stylizer = poolStylizer(pool);
const settings = {
  styles: args.unstyled ? [] : [{ name: gallery.names()[0]!, weight: 1 }],
  alpha: 1,
  preserveColor: false,
};
const sent: { captureMs: number; sentMs: number }[] = [];
const run = await startLive(stylizer, {
  source: parseLiveSource('testsrc'),
  size: args.size === 'auto' ? 'auto' : parseSizeOption(args.size),
  fps: Number(args.fps),
  gallery,
  settings,
  server: { port: 0, viewerDirectory: args.viewer },
  quality: Number(args.quality),
  viewerCodec: args.codec as ViewerCodecChoice,
  bitrate: parseBitrate(args.bitrate),
  onFrameSent: (frame) => sent.push(frame),
});
log(
  `live: ${run.video.width}x${run.video.height} at ${run.video.fps} fps, model ${model.card.name} on ${pool.provider} (${pool.workerCount} workers)`,
);

const socketOnly = args['socket-only'];
const browser = socketOnly ? undefined : await launchChromium();
const page = await browser?.newPage();
// Times the page's two per-frame calls, wherever the page makes them (its window, or the worker
// that draws its frames), by wrapping them before they are used: decode is createImageBitmap from
// call to bitmap (Chromium decodes on other threads, so it includes waiting for a decoder), draw
// is transferFromImageBitmap.
const WRAP_FRAME_CALLS = `if (!globalThis.benchFrameCosts) {
  const costs = { decodeMs: [], drawMs: [] };
  globalThis.benchFrameCosts = costs;
  const decode = globalThis.createImageBitmap;
  globalThis.createImageBitmap = async function (...args) {
    const started = performance.now();
    const bitmap = await decode.apply(this, args);
    costs.decodeMs.push(performance.now() - started);
    return bitmap;
  };
  const transfer = ImageBitmapRenderingContext.prototype.transferFromImageBitmap;
  ImageBitmapRenderingContext.prototype.transferFromImageBitmap = function (bitmap) {
    const started = performance.now();
    transfer.call(this, bitmap);
    costs.drawMs.push(performance.now() - started);
  };
}`;
await page?.addInitScript(WRAP_FRAME_CALLS);
// A worker's first frames, before this reaches it, go unmeasured: the phases start seconds later.
page?.on('worker', (worker) => void worker.evaluate(WRAP_FRAME_CALLS).catch(() => {}));
// Main-thread time of the page (Chromium's TaskDuration), for the time per frame drawn.
const cdp = await page?.context().newCDPSession(page);
await cdp?.send('Performance.enable');
/** How the page decodes in a set of phases: `?decoder=` (127.0.0.1 allows all three). */
type PageDecoder = 'webcodecs' | 'mse' | 'jpeg';
const pageUrl = (decoder: PageDecoder) =>
  `${run.url}${run.url.includes('?') ? '&' : '?'}decoder=${decoder}`;
const codecOf = (decoder: PageDecoder): ViewerCodec => (decoder === 'jpeg' ? 'jpeg' : 'h264');
type PageState = {
  framesDrawn: number;
  framesReceived: number;
  bytesReceived: number;
  decoder: string | null;
  codec: string | null;
  drawLatencies: number[];
  decodeMs: number[];
  drawMs: number[];
  mainThreadMs: number;
  cpu: CpuReading;
};
const NO_PAGE: PageState = {
  framesDrawn: 0,
  framesReceived: 0,
  bytesReceived: 0,
  decoder: null,
  codec: null,
  drawLatencies: [],
  decodeMs: [],
  drawMs: [],
  mainThreadMs: 0,
  cpu: new Map(),
};
const pageState = async (): Promise<PageState> => {
  if (!page || !cdp) return NO_PAGE;
  const { metrics } = await cdp.send('Performance.getMetrics');
  const taskSeconds = metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? 0;
  const cpu = readChromiumCpu();
  type Costs = { decodeMs: number[]; drawMs: number[] };
  const readCosts = () => {
    const costs = (globalThis as unknown as { benchFrameCosts?: Costs }).benchFrameCosts;
    return { decodeMs: [...(costs?.decodeMs ?? [])], drawMs: [...(costs?.drawMs ?? [])] };
  };
  const state = await page.evaluate(() => {
    const { stylecast } = globalThis as unknown as { stylecast: PageState };
    return {
      framesDrawn: stylecast.framesDrawn,
      framesReceived: stylecast.framesReceived,
      bytesReceived: stylecast.bytesReceived,
      decoder: stylecast.decoder,
      codec: stylecast.codec,
      drawLatencies: [...stylecast.drawLatencies],
    };
  });
  const costs = [await page.evaluate(readCosts)];
  for (const worker of page.workers()) costs.push(await worker.evaluate(readCosts));
  return {
    ...state,
    decodeMs: costs.flatMap((cost) => cost.decodeMs),
    drawMs: costs.flatMap((cost) => cost.drawMs),
    mainThreadMs: taskSeconds * 1000,
    cpu,
  };
};
const meanAndP95 = (values: number[]) => ({
  mean:
    Math.round((values.reduce((sum, value) => sum + value, 0) / (values.length || 1)) * 100) / 100,
  p95: Math.round(percentile(values, 95) * 100) / 100,
});

/**
 * Seven (or more) plain `ws` viewers in a worker thread, asking for the phase's codec, counting
 * frames and bytes per viewer.
 */
function startSocketViewers(
  count: number,
  codec: ViewerCodec,
): {
  worker: Worker;
  counts: () => Promise<{ frames: number[]; bytes: number[] }>;
} {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const WebSocket = require('ws');
    const frames = new Array(workerData.count).fill(0);
    const bytes = new Array(workerData.count).fill(0);
    for (let i = 0; i < workerData.count; i++) {
      const socket = new WebSocket(workerData.url);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'codecs', codecs: workerData.codecs })));
      socket.on('message', (data, isBinary) => { if (isBinary) { frames[i]++; bytes[i] += data.length; } });
    }
    parentPort.on('message', () => parentPort.postMessage({ frames, bytes }));
  `;
  const worker = new Worker(code, {
    eval: true,
    workerData: { url: `ws://127.0.0.1:${run.server.port}/ws`, count, codecs: [codec] },
  });
  return {
    worker,
    counts: () =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('counts');
      }),
  };
}

interface PhaseResult {
  viewers: number;
  /** The page's codec, and how it decoded it (webcodecs, mse, jpeg). */
  pageStream: string;
  /** Megabits a second the page received, and each socket viewer. */
  browserMbps: number;
  socketViewerMbps: number[];
  sourceFps: number;
  sentFps: number;
  browserFps: number;
  /** Frames the page received; it draws only the newest when decoding falls behind. */
  browserReceivedFps: number;
  socketViewerFps: number[];
  minViewerFps: number;
  /** Slowest viewer's fps over the fps sent: how much fan-out loses, whatever the load. */
  slowestVsSent: number;
  captureToSendMs: { p50: number; p95: number };
  captureToDrawMs: { p50: number; p95: number };
  /** The page's createImageBitmap per frame, call to bitmap, ms. */
  pageDecodeMs: { mean: number; p95: number };
  /** The page's transferFromImageBitmap per frame, ms. */
  pageDrawMs: { mean: number; p95: number };
  /** The page's main-thread time over the frames it drew, ms per frame. */
  pageMainThreadMsPerFrame: number;
  /**
   * CPU of Chromium over the frames the page drew, ms per frame: `process:TYPE` per process type
   * (all threads), `thread:NAME` per renderer thread (main, worker, decoders, compositor …).
   */
  chromiumCpuMsPerFrame: Record<string, number>;
  drops: number;
  /** The working size at the end of the phase (`--size auto` may have changed it). */
  workingSize: string;
  /** Working sizes `auto` changed to during the phase, with when (s into the phase). */
  sizeChanges: string[];
  /** The page's figures from the last size change to the phase's end, when there was one. */
  afterLastChange?: {
    seconds: number;
    browserFps: number;
    captureToDrawMs: { p50: number; p95: number };
  };
}

/** The last `count` values (none for 0, where `slice(-0)` would give them all). */
const lastOf = (values: number[], count: number): number[] =>
  count > 0 ? values.slice(-count) : [];

async function phase(viewers: number, codec: ViewerCodec): Promise<PhaseResult> {
  const sockets = socketOnly ? viewers : viewers - 1;
  const extra = sockets > 0 ? startSocketViewers(sockets, codec) : undefined;
  while (run.server.viewerCount < viewers) await sleep(100);
  // The first inference of each worker is slow (session warm-up): wait for a few frames out.
  const target = sent.length + 2 * pool.workerCount;
  for (let waited = 0; sent.length < target && waited < 120_000; waited += 100) await sleep(100);
  await sleep(warmup * 1000);
  const startPage = await pageState();
  const startCounts = (await extra?.counts()) ?? { frames: [], bytes: [] };
  const startSent = sent.length;
  const runStart = run.counts();
  const startedAt = performance.now();
  // `--size auto` may still be stepping: note each change, with the frames drawn by then.
  const sizeNow = () => `${run.video.width}x${run.video.height}`;
  const changes: { atS: number; size: string; drawn: number }[] = [];
  let lastSize = sizeNow();
  while (performance.now() - startedAt < seconds * 1000) {
    await sleep(100);
    if (sizeNow() === lastSize) continue;
    lastSize = sizeNow();
    const drawnNow = page
      ? await page.evaluate(
          () => (globalThis as unknown as { stylecast: PageState }).stylecast.framesDrawn,
        )
      : 0;
    const atS = (performance.now() - startedAt) / 1000;
    changes.push({ atS, size: lastSize, drawn: drawnNow });
  }
  const elapsed = (performance.now() - startedAt) / 1000;
  const endPage = await pageState();
  const endCounts = (await extra?.counts()) ?? { frames: [], bytes: [] };
  const runEnd = run.counts();
  const window = sent.slice(startSent);
  const drawn = endPage.framesDrawn - startPage.framesDrawn;
  const draws = lastOf(endPage.drawLatencies, drawn);
  const sendLatencies = window.map((frame) => frame.sentMs - frame.captureMs);
  const socketViewerFps = endCounts.frames.map((count, i) =>
    round((count - startCounts.frames[i]!) / elapsed),
  );
  const mbps = (bytes: number) => round((bytes * 8) / elapsed / 1e6);
  const socketViewerMbps = endCounts.bytes.map((count, i) => mbps(count - startCounts.bytes[i]!));
  const browserFps = round(drawn / elapsed);
  const browserReceivedFps = round((endPage.framesReceived - startPage.framesReceived) / elapsed);
  // Delivery to each viewer: what the page received, and what each socket viewer received.
  const slowest = Math.min(...(socketOnly ? [] : [browserReceivedFps]), ...socketViewerFps);
  await extra?.worker.terminate();
  while (run.server.viewerCount > (socketOnly ? 0 : 1)) await sleep(100);
  const last = changes.at(-1);
  const settledDrawn = last ? endPage.framesDrawn - last.drawn : drawn;
  const settledDraws = lastOf(endPage.drawLatencies, settledDrawn);
  return {
    viewers,
    pageStream: `${endPage.codec} (${endPage.decoder})`,
    browserMbps: mbps(endPage.bytesReceived - startPage.bytesReceived),
    socketViewerMbps,
    sourceFps: round((runEnd.source - runStart.source) / elapsed),
    sentFps: round(window.length / elapsed),
    browserFps,
    browserReceivedFps,
    socketViewerFps,
    minViewerFps: slowest,
    slowestVsSent: Math.round((slowest / Math.max(window.length / elapsed, 0.001)) * 100) / 100,
    captureToSendMs: {
      p50: round(percentile(sendLatencies, 50)),
      p95: round(percentile(sendLatencies, 95)),
    },
    captureToDrawMs: { p50: round(percentile(draws, 50)), p95: round(percentile(draws, 95)) },
    pageDecodeMs: meanAndP95(endPage.decodeMs.slice(startPage.decodeMs.length)),
    pageDrawMs: meanAndP95(endPage.drawMs.slice(startPage.drawMs.length)),
    pageMainThreadMsPerFrame:
      Math.round(((endPage.mainThreadMs - startPage.mainThreadMs) / Math.max(drawn, 1)) * 100) /
      100,
    chromiumCpuMsPerFrame: Object.fromEntries(
      [...cpuSpent(startPage.cpu, endPage.cpu)]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, ms]) => [key, Math.round((ms / Math.max(drawn, 1)) * 100) / 100]),
    ),
    drops: runEnd.drops - runStart.drops,
    workingSize: `${run.video.width}x${run.video.height}`,
    sizeChanges: changes.map((change) => `${change.size} at ${round(change.atS)} s`),
    afterLastChange: last
      ? {
          seconds: round(elapsed - last.atS),
          browserFps: round(settledDrawn / Math.max(elapsed - last.atS, 0.001)),
          captureToDrawMs: {
            p50: round(percentile(settledDraws, 50)),
            p95: round(percentile(settledDraws, 95)),
          },
        }
      : undefined,
  };
}

interface ThrottledResult {
  mbits: number;
  /** fps drawn and Mbit/s received by the page at full speed, and by the throttled page. */
  page: { fps: number; mbps: number };
  throttled: {
    fps: number;
    mbps: number;
    stream: string;
    captureToDrawMs: { p50: number; p95: number };
  };
}

/** The page, plus a second page whose connection passes `mbits` megabits a second. */
async function throttledPhase(
  browser: Browser,
  page: Page,
  mbits: number,
): Promise<ThrottledResult> {
  const proxy = await startThrottleProxy(run.server.port, mbits * 1e6);
  const slow = await browser.newPage();
  try {
    await slow.goto(`http://127.0.0.1:${proxy.port}/`);
    while (run.server.viewerCount < 2) await sleep(100);
    await sleep(warmup * 1000);
    type Counts = {
      framesDrawn: number;
      bytesReceived: number;
      codec: string;
      decoder: string;
      drawLatencies: number[];
    };
    const read = (target: Page) =>
      target.evaluate(() => {
        const { stylecast } = globalThis as unknown as { stylecast: Counts };
        return { ...stylecast };
      });
    const [pageStart, slowStart] = [await read(page), await read(slow)];
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - startedAt) / 1000;
    const [pageEnd, slowEnd] = [await read(page), await read(slow)];
    const rates = (start: Counts, end: Counts) => ({
      fps: round((end.framesDrawn - start.framesDrawn) / elapsed),
      mbps: round(((end.bytesReceived - start.bytesReceived) * 8) / elapsed / 1e6),
    });
    const slowDraws = lastOf(slowEnd.drawLatencies, slowEnd.framesDrawn - slowStart.framesDrawn);
    return {
      mbits,
      page: rates(pageStart, pageEnd),
      throttled: {
        ...rates(slowStart, slowEnd),
        stream: `${slowEnd.codec} (${slowEnd.decoder})`,
        captureToDrawMs: {
          p50: round(percentile(slowDraws, 50)),
          p95: round(percentile(slowDraws, 95)),
        },
      },
    };
  } finally {
    await slow.close();
    await proxy.close();
    while (run.server.viewerCount > 1) await sleep(100);
  }
}

/** The pool alone at `size`: frames in memory, one per worker at a time, for `ms`. */
async function modelOnlyFps(size: { width: number; height: number }, ms: number): Promise<number> {
  const styleSettings = await liveStyle(stylizer, settings, gallery);
  if (!styleSettings) return 0;
  const [frame] = await sourceFrames(size, 1, 30);
  let frames = 0;
  const until = performance.now() + ms;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: pool.workerCount }, async () => {
      while (performance.now() < until) {
        await stylizer.stylize([{ ...frame!, data: frame!.data.slice() }], [styleSettings]);
        frames++;
      }
    }),
  );
  return round((frames * 1000) / (performance.now() - startedAt));
}

interface CodecPhases {
  codec: string;
  one: PhaseResult;
  many: PhaseResult;
  /** The slowest of many viewers ÷ one viewer. */
  manyVsOne: number;
}

try {
  // Each codec the server offers, one after the other in the same run: H.264, then JPEG.
  const offered = offeredCodecs(args.codec as ViewerCodecChoice);
  const decoders = (args.pages.split(',') as PageDecoder[]).filter((decoder) =>
    offered.includes(codecOf(decoder)),
  );
  const byCodec: CodecPhases[] = [];
  for (const decoder of decoders) {
    const codec = `${codecOf(decoder)} (${decoder})`;
    await page?.goto(pageUrl(decoder));
    const one = await phase(1, codecOf(decoder));
    log(`${codec}, 1 viewer: ${JSON.stringify(one)}`);
    const many = await phase(Number(args.viewers), codecOf(decoder));
    log(`${codec}, ${args.viewers} viewers: ${JSON.stringify(many)}`);
    const manyVsOne = round(many.minViewerFps / Math.max(one.minViewerFps, 0.001));
    byCodec.push({ codec, one, many, manyVsOne });
  }
  const { one } = byCodec[0]!;
  // The throttled phase compares H.264 pages (the throttled one decodes as it likes).
  await page?.goto(pageUrl(decoders.find((decoder) => decoder !== 'jpeg') ?? decoders[0]!));
  const throttledMbits = Number(args.throttled);
  const throttled =
    browser && page && throttledMbits > 0
      ? await throttledPhase(browser, page, throttledMbits)
      : undefined;
  if (throttled) log(`throttled: ${JSON.stringify(throttled)}`);
  const settled = { width: run.video.width, height: run.video.height };
  await browser?.close();
  await run.stop();
  const modelOnly = args.unstyled ? undefined : await modelOnlyFps(settled, seconds * 500);
  if (modelOnly !== undefined)
    log(`model only at ${settled.width}x${settled.height}: ${modelOnly} fps`);
  let style: StyleAtSize | undefined;
  let styleNote = '';
  const styleSettings = await liveStyle(stylizer, settings, gallery);
  if (styleSettings && !args['no-style-score']) {
    log('scoring the style at the settled size against 1280x720…');
    // A missing Python or VGG must not cost the figures measured above.
    try {
      style = await styleAtSize(settled, DEFAULT_STYLE, async (frame) => {
        const [out] = await stylizer.stylize([{ index: 0, ptsMs: 0, ...frame }], [styleSettings]);
        return out!.data;
      });
    } catch (error) {
      styleNote = `style distance not measured: ${(error as Error).message.split('\n')[0]}`;
      log(styleNote);
    }
  }
  let encoders: EncoderCost[] | undefined;
  if (!args['no-encoder-cost']) {
    log('timing the encoders at each rung of the size ladder…');
    const styleSettings = await liveStyle(stylizer, settings, gallery);
    encoders = await encoderCosts(
      sizeLadder(SIZE_720P, pool.model.card.sizeMultiple),
      async (frame) =>
        styleSettings ? (await stylizer.stylize([frame], [styleSettings]))[0]! : frame,
      { frames: 60, quality: Number(args.quality), bitrate: parseBitrate(args.bitrate), fps: 30 },
    );
  }
  const result = {
    model: args.unstyled ? `none (unstyled; ${model.card.name} loaded)` : model.card.name,
    modelNote: modelNote || undefined,
    provider: pool.provider,
    workers: pool.workerCount,
    threads: pool.threadsPerWorker,
    jpegQuality: Number(args.quality),
    viewerCodec: args.codec,
    offered: offeredCodecs(args.codec as ViewerCodecChoice),
    bitrate: args.bitrate,
    size: `${run.video.width}x${run.video.height}`,
    fps: run.video.fps,
    seconds,
    byCodec,
    throttled,
    modelOnlyFps: modelOnly,
    /** Frames sent to one viewer ÷ the model alone at the same size, same run. */
    oneVsModelOnly: modelOnly ? round(one.sentFps / modelOnly) : undefined,
    encoders,
    style,
    styleNote: styleNote || undefined,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const row = (r: PhaseResult) =>
      `| ${r.viewers} | ${r.pageStream} | ${r.sourceFps} | ${r.sentFps} | ${r.browserReceivedFps} / ${r.browserFps} | ${r.browserMbps} | ${r.socketViewerMbps.join(', ') || '–'} | ${r.minViewerFps} (${r.slowestVsSent}) | ` +
      `${r.captureToSendMs.p50} / ${r.captureToSendMs.p95} | ${r.captureToDrawMs.p50} / ${r.captureToDrawMs.p95} | ${r.drops} | ${r.workingSize} |`;
    const cpuLine = (r: PhaseResult) =>
      `  ${r.pageStream}, ${r.viewers} viewer(s): ` +
      Object.entries(r.chromiumCpuMsPerFrame)
        .map(([key, ms]) => `${key.replace(/^\w+:/, '')} ${ms}`)
        .join(', ');
    const pageRow = (r: PhaseResult) =>
      `| ${r.pageStream} | ${r.viewers} | ${r.pageDecodeMs.mean} / ${r.pageDecodeMs.p95} | ${r.pageDrawMs.mean} / ${r.pageDrawMs.p95} | ${r.pageMainThreadMsPerFrame} |`;
    process.stdout.write(
      [
        `model ${result.model} on ${result.provider} (${result.workers} workers × ${result.threads} threads, JPEG quality ${result.jpegQuality}, viewer codec ${args.codec}, H.264 cap ${args.bitrate}bit/s), testsrc 1280x720 (working size ${args.size}) at ${result.fps} fps, ${seconds} s per phase`,
        ...(modelNote ? [modelNote] : []),
        '',
        '| viewers | page stream | source fps | sent fps | browser received / drawn fps | page Mbit/s | socket viewers Mbit/s | slowest viewer fps (÷ sent) | capture→send p50 / p95 ms | capture→draw p50 / p95 ms | drops | working size |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...byCodec.flatMap(({ one, many }) => [row(one), row(many)]),
        '',
        ...byCodec.map(
          ({ codec, many, manyVsOne }) =>
            `${codec}: slowest of ${many.viewers} viewers / one viewer: ${manyVsOne}`,
        ),
        ...(throttled
          ? [
              `with a second page throttled to ${throttled.mbits} Mbit/s: it drew ${throttled.throttled.fps} fps in ${throttled.throttled.mbps} Mbit/s (${throttled.throttled.stream}), capture→draw ${throttled.throttled.captureToDrawMs.p50} / ${throttled.throttled.captureToDrawMs.p95} ms; the page at full speed ${throttled.page.fps} fps in ${throttled.page.mbps} Mbit/s`,
            ]
          : []),
        ...(modelOnly !== undefined
          ? [
              `model only at ${result.size}: ${modelOnly} fps; one viewer's sent fps ÷ model only: ${result.oneVsModelOnly}`,
            ]
          : []),
        ...byCodec
          .flatMap(({ one, many }) => [one, many])
          .flatMap((r) =>
            r.afterLastChange
              ? [
                  `${r.viewers} viewer(s): the size changed during the phase (${r.sizeChanges.join(', ')}); ` +
                    `in the last ${r.afterLastChange.seconds} s, at ${r.workingSize}: ${r.afterLastChange.browserFps} fps drawn, ` +
                    `capture→draw ${r.afterLastChange.captureToDrawMs.p50} / ${r.afterLastChange.captureToDrawMs.p95} ms`,
                ]
              : [],
          ),
        '',
        ...(socketOnly
          ? []
          : [
              '| page stream | viewers | page createImageBitmap mean / p95 ms (JPEG: decode; H.264: decoded frame to bitmap) | page draw mean / p95 ms | page main thread ms per frame drawn |',
              '| --- | --- | --- | --- | --- |',
              ...byCodec.flatMap(({ one, many }) => [pageRow(one), pageRow(many)]),
              '',
              "Chromium's CPU per frame drawn, ms (whole processes, then the renderers' threads):",
              ...byCodec.flatMap(({ one, many }) => [cpuLine(one), cpuLine(many)]),
              '',
            ]),
        ...(encoders
          ? [
              'Encoders per frame (testsrc stylized; JPEG in this process on the thread pool, H.264 in ffmpeg):',
              '| size | codec | CPU ms | main thread ms | wall ms | KB | Mbit/s at 30 fps |',
              '| --- | --- | --- | --- | --- | --- | --- |',
              ...encoders.map(
                (e) =>
                  `| ${e.size} | ${e.codec} | ${e.cpuMsPerFrame} | ${e.mainThreadMsPerFrame} | ${e.wallMsPerFrame} | ${e.kbPerFrame} | ${e.mbpsAt30} |`,
              ),
              '',
            ]
          : []),
        ...(style
          ? [
              `style distance (lower is closer to the style) at ${style.size}: ${style.atSize.style}, at 1280x720: ${style.atFull.style}, ratio ${style.styleRatio}` +
                ` (content distance ${style.atSize.content} / ${style.atFull.content})`,
              `  compared: ${style.compared}`,
              '',
            ]
          : []),
        ...(styleNote ? [styleNote, ''] : []),
      ].join('\n'),
    );
  }
} finally {
  await browser?.close();
  await run.stop();
  await pool.close();
}
