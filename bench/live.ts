/**
 * `npm run bench:live`: the test pattern at 1280×720, 30 fps, stylized live with the default
 * model, watched by one viewer (headless Chromium), then by eight (the same page plus seven `ws`
 * clients in a worker thread). Reports per viewer: frames per second received or drawn; and
 * latency from capture to send (server) and capture to draw (browser), p50 and p95.
 *
 *   npm run bench:live -- [--model NAME|PATH] [--device cpu] [--seconds 10] [--size auto|WxH]
 *                          [--fps 30] [--viewers 8] [--workers N] [--threads N] [--quality 80]
 *                          [--unstyled] [--socket-only] [--json]
 *
 * `--unstyled` sends the frames without inference: what the capture, JPEG and fan-out path
 * costs by itself. `--socket-only` watches with `ws` clients alone, no browser: what a viewer on
 * another machine would get when the browser does not share this machine's cores.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { launchChromium } from '../test/helpers/chromium.js';
import { parseLiveSource } from '../src/decode/live-source.js';
import { parseSizeOption } from '../src/decode/working-size.js';
import { parseDevice } from '../src/infer/execution-provider.js';
import { DEFAULT_MODEL } from '../src/infer/find-model.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel, type ModelFiles } from '../src/infer/load-model.js';
import { startLive } from '../src/pipeline/live-pipeline.js';
import { percentile } from '../src/pipeline/live-stats.js';
import { poolStylizer } from '../src/pipeline/live-stylizer.js';
import { StyleGallery } from '../src/stream/style-gallery.js';

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
    unstyled: { type: 'boolean', default: false },
    'socket-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const SAMPLE_STYLE = fileURLToPath(new URL('../assets/sample/style.jpg', import.meta.url));
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
const gallery = await StyleGallery.fromFiles([SAMPLE_STYLE], {
  maxUploadBytes: 1 << 20,
  maxUploads: 1,
});
const sent: { captureMs: number; sentMs: number }[] = [];
const run = await startLive({
  source: parseLiveSource('testsrc'),
  size: args.size === 'auto' ? 'auto' : parseSizeOption(args.size),
  fps: Number(args.fps),
  stylizer: poolStylizer(pool),
  gallery,
  settings: {
    styles: args.unstyled ? [] : [{ name: gallery.names()[0]!, weight: 1 }],
    alpha: 1,
    preserveColor: false,
  },
  server: { port: 0 },
  jpegQuality: Number(args.quality),
  onFrameSent: (frame) => sent.push(frame),
});
log(
  `live: ${run.video.width}x${run.video.height} at ${run.video.fps} fps, model ${model.card.name} on ${pool.provider} (${pool.workerCount} workers)`,
);

const socketOnly = args['socket-only'];
const browser = socketOnly ? undefined : await launchChromium();
const page = await browser?.newPage();
await page?.goto(run.url);
type PageState = { framesDrawn: number; framesReceived: number; drawLatencies: number[] };
const NO_PAGE: PageState = { framesDrawn: 0, framesReceived: 0, drawLatencies: [] };
const pageState = async (): Promise<PageState> =>
  page?.evaluate(() => {
    const state = (globalThis as unknown as { stylecast: PageState }).stylecast;
    return {
      framesDrawn: state.framesDrawn,
      framesReceived: state.framesReceived,
      drawLatencies: [...state.drawLatencies],
    };
  }) ?? NO_PAGE;

/** Seven (or more) plain `ws` viewers in a worker thread, counting frames per viewer. */
function startSocketViewers(count: number): { worker: Worker; counts: () => Promise<number[]> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const WebSocket = require('ws');
    const counts = new Array(workerData.count).fill(0);
    for (let i = 0; i < workerData.count; i++) {
      const socket = new WebSocket(workerData.url);
      socket.on('message', (data, isBinary) => { if (isBinary) counts[i]++; });
    }
    parentPort.on('message', () => parentPort.postMessage(counts));
  `;
  const worker = new Worker(code, {
    eval: true,
    workerData: { url: `ws://127.0.0.1:${run.server.port}/ws`, count },
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
  drops: number;
  /** The working size at the end of the phase (`--size auto` may have changed it). */
  workingSize: string;
}

async function phase(viewers: number): Promise<PhaseResult> {
  const sockets = socketOnly ? viewers : viewers - 1;
  const extra = sockets > 0 ? startSocketViewers(sockets) : undefined;
  while (run.server.viewerCount < viewers) await sleep(100);
  // The first inference of each worker is slow (session warm-up): wait for a few frames out.
  const target = sent.length + 2 * pool.workerCount;
  for (let waited = 0; sent.length < target && waited < 120_000; waited += 100) await sleep(100);
  await sleep(warmup * 1000);
  const startPage = await pageState();
  const startCounts = (await extra?.counts()) ?? [];
  const startSent = sent.length;
  const runStart = run.counts();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - startedAt) / 1000;
  const endPage = await pageState();
  const endCounts = (await extra?.counts()) ?? [];
  const runEnd = run.counts();
  const window = sent.slice(startSent);
  const drawn = endPage.framesDrawn - startPage.framesDrawn;
  const draws = endPage.drawLatencies.slice(-drawn);
  const sendLatencies = window.map((frame) => frame.sentMs - frame.captureMs);
  const socketViewerFps = endCounts.map((count, i) => round((count - startCounts[i]!) / elapsed));
  const browserFps = round(drawn / elapsed);
  const browserReceivedFps = round((endPage.framesReceived - startPage.framesReceived) / elapsed);
  // Delivery to each viewer: what the page received, and what each socket viewer received.
  const slowest = Math.min(...(socketOnly ? [] : [browserReceivedFps]), ...socketViewerFps);
  await extra?.worker.terminate();
  while (run.server.viewerCount > (socketOnly ? 0 : 1)) await sleep(100);
  return {
    viewers,
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
    drops: runEnd.drops - runStart.drops,
    workingSize: `${run.video.width}x${run.video.height}`,
  };
}

try {
  const one = await phase(1);
  log(`1 viewer: ${JSON.stringify(one)}`);
  const many = await phase(Number(args.viewers));
  log(`${args.viewers} viewers: ${JSON.stringify(many)}`);
  const result = {
    model: args.unstyled ? `none (unstyled; ${model.card.name} loaded)` : model.card.name,
    modelNote: modelNote || undefined,
    provider: pool.provider,
    workers: pool.workerCount,
    threads: pool.threadsPerWorker,
    jpegQuality: Number(args.quality),
    size: `${run.video.width}x${run.video.height}`,
    fps: run.video.fps,
    seconds,
    one,
    many,
    manyVsOne: Math.round((many.minViewerFps / Math.max(one.minViewerFps, 0.001)) * 100) / 100,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const row = (r: PhaseResult) =>
      `| ${r.viewers} | ${r.sourceFps} | ${r.sentFps} | ${r.browserReceivedFps} / ${r.browserFps} | ${r.minViewerFps} (${r.slowestVsSent}) | ` +
      `${r.captureToSendMs.p50} / ${r.captureToSendMs.p95} | ${r.captureToDrawMs.p50} / ${r.captureToDrawMs.p95} | ${r.drops} | ${r.workingSize} |`;
    process.stdout.write(
      [
        `model ${result.model} on ${result.provider} (${result.workers} workers × ${result.threads} threads, JPEG quality ${result.jpegQuality}), testsrc 1280x720 (working size ${args.size}) at ${result.fps} fps, ${seconds} s per phase`,
        ...(modelNote ? [modelNote] : []),
        '',
        '| viewers | source fps | sent fps | browser received / drawn fps | slowest viewer fps (÷ sent) | capture→send p50 / p95 ms | capture→draw p50 / p95 ms | drops | working size |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        row(one),
        row(many),
        '',
        `slowest of ${many.viewers} viewers / one viewer: ${result.manyVsOne}`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await browser?.close();
  await run.stop();
  await pool.close();
}
