/**
 * npm run bench:farm [-- --model fast --seconds 60 --size 640x360 --repeat 3]
 *
 * Measures, side by side in one run on this machine, with whole CLI processes and a real
 * redis-server on loopback:
 *   local fps            `stylecast render` of the clip
 *   farm fps, 1 worker   `stylecast render --farm` with one worker (chunks of 10 s)
 *   overhead ratio       farm fps ÷ local fps (goal ≥ 0.9): the median of `--repeat` pairs, local
 *                        and farm renders taking turns
 *   per-chunk cost       the fixed cost of one more chunk (seek, setup, queue, join share): the
 *                        same farm render in 1 s chunks against 10 s chunks
 *   per-render cost      the coordinator's own phases: preparing (hashing and copying the input,
 *                        enqueueing) and joining, from its --json `phaseSeconds`
 *   worker start         a worker's model load, paid once per machine, not per chunk
 * Prints a table and one JSON line. Figures vary with machine load; compare ratios, not times.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../src/live/live-stats.js';
import { makeClip } from '../test/helpers/media.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { runCli, startCli } from '../test/helpers/run-cli.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'fast' },
    seconds: { type: 'string', default: '60' },
    repeat: { type: 'string', default: '3' },
    size: { type: 'string', default: '640x360' },
  },
});
const [width, height] = args.size.split('x').map(Number) as [number, number];
const FPS = 25;
const repeat = Number(args.repeat);
const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-farm-'));
const farmDir = join(dir, 'farm');
const redis = await startRedis();
const model = ['-m', args.model, '-d', 'cpu'];

interface Rendered {
  fps: number;
  seconds: number;
  frames: number;
  chunks?: number;
  phaseSeconds?: { prepare: number; chunks: number; join: number };
}

async function render(extra: string[]): Promise<Rendered> {
  const run = await runCli([
    'render',
    clip,
    ...model,
    '--json',
    '-o',
    join(dir, 'out.mp4'),
    ...extra,
  ]);
  if (run.code !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as Rendered;
}

const clip = await makeClip(join(dir, 'clip.mp4'), {
  width,
  height,
  fps: FPS,
  seconds: Number(args.seconds),
});
try {
  mkdirSync(farmDir);
  const started = performance.now();
  const worker = startCli(['worker', '--farm', redis.url, '--farm-dir', farmDir, ...model]);
  await new Promise<void>((resolve, reject) => {
    worker.child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready on')) resolve();
    });
    void worker.result.then((r) => reject(new Error(r.stderr)));
  });
  const workerStartS = (performance.now() - started) / 1000;
  const farm = ['--farm', redis.url, '--farm-dir', farmDir];
  // Local and farm renders take turns, so a change in the machine's load falls on both.
  const pairs: { local: Rendered; farm: Rendered; ratio: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    const local = await render([]);
    const long = await render([...farm, '--chunk-seconds', '10']);
    pairs.push({ local, farm: long, ratio: long.fps / local.fps });
    console.log(
      `pair ${i + 1}: local ${local.fps.toFixed(1)} fps, farm ${long.fps.toFixed(1)} fps, ratio ${(long.fps / local.fps).toFixed(3)}`,
    );
  }
  const ratios = pairs.map((pair) => pair.ratio);
  const { local, farm: long } = pairs.find((pair) => pair.ratio === percentile(ratios, 50))!;
  const short = await render([...farm, '--chunk-seconds', '1']);
  worker.child.kill('SIGTERM');
  await worker.result;
  const perChunkS = (short.seconds - long.seconds) / (short.chunks! - long.chunks!);
  const phases = long.phaseSeconds!;
  const figures = {
    model: args.model,
    size: args.size,
    frames: local.frames,
    pairs: repeat,
    localFps: local.fps,
    farmFps1Worker: long.fps,
    overheadRatio: Number(percentile(ratios, 50).toFixed(3)),
    overheadRatios: ratios.map((ratio) => Number(ratio.toFixed(3))),
    farmFps1sChunks: short.fps,
    chunks10s: long.chunks,
    chunks1s: short.chunks,
    perChunkSeconds: Number(perChunkS.toFixed(3)),
    localSeconds: local.seconds,
    farmSeconds: long.seconds,
    prepareSeconds: phases.prepare,
    chunksSeconds: phases.chunks,
    joinSeconds: phases.join,
    workerStartSeconds: Number(workerStartS.toFixed(2)),
  };
  console.log(`local render            ${local.fps.toFixed(1)} fps  (the median pair)`);
  console.log(
    `farm, 1 worker (10 s)   ${long.fps.toFixed(1)} fps  (ratio ${figures.overheadRatio}, of ${repeat}: ${figures.overheadRatios.join(', ')})`,
  );
  console.log(`farm, 1 worker (1 s)    ${short.fps.toFixed(1)} fps`);
  console.log(`per-chunk fixed cost    ${perChunkS.toFixed(3)} s`);
  console.log(
    `where the farm's time went  prepare ${phases.prepare} s, chunks ${phases.chunks} s, join ${phases.join} s (local render ${local.seconds} s)`,
  );
  console.log(`worker start (model)    ${workerStartS.toFixed(2)} s, once per machine`);
  console.log(JSON.stringify(figures));
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
