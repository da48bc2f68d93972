/**
 * npm run bench:models [-- --models fast,tiny --frames 24]
 *
 * For each model and each execution provider that loads here: model-only fps at 1280×720 for
 * several worker × thread × batch shapes, and the time to encode a style image — all in one run,
 * shapes interleaved so that machine load falls on each alike. A model with an int8 variant runs
 * each shape on the CPU twice, `--precision fp32` and `--precision int8` side by side, and reports
 * their ratio. Prints a table and JSON lines.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { Precision } from '../src/infer/choose-precision.js';
import { listModels } from '../src/infer/list-models.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel } from '../src/infer/load-model.js';
import { probeProviders } from '../src/infer/probe-providers.js';
import { styleImagePixels } from '../src/infer/style-codes.js';
import type { Frame, StyleSettings } from '../src/types.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    frames: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '2' },
  },
});
const WIDTH = 1280;
const HEIGHT = 720;
const PHOTO = new URL('../../shared/data/eval/e1.content.jpg', import.meta.url).pathname;
const STYLE = new URL('../assets/sample/style.jpg', import.meta.url).pathname;
const SHAPES = [
  { workers: 1, threads: 1, batch: 1 },
  { workers: 1, threads: 2, batch: 1 },
  { workers: 2, threads: 1, batch: 1 },
  { workers: 2, threads: 1, batch: 2 },
];

async function frames(count: number): Promise<Frame[]> {
  const { data } = await sharp(PHOTO)
    .resize(WIDTH, HEIGHT, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Array.from({ length: count }, (_, index) => ({
    index,
    ptsMs: index * 40,
    width: WIDTH,
    height: HEIGHT,
    data: new Uint8Array(data),
  }));
}

async function fps(
  pool: InferencePool,
  input: Frame[],
  style: StyleSettings,
  batch: number,
): Promise<number> {
  const batches: Frame[][] = [];
  for (let i = 0; i < input.length; i += batch)
    batches.push(input.slice(i, i + batch).map((f) => ({ ...f, data: f.data.slice() })));
  const started = performance.now();
  await Promise.all(
    batches.map((b) =>
      pool.stylize(
        b,
        b.map(() => style),
      ),
    ),
  );
  return input.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const names = args.models
    ? args.models.split(',')
    : (await listModels()).filter((m) => !m.problem).map((m) => m.dir);
  const providers = (await probeProviders()).filter((p) => p.loads).map((p) => p.provider);
  const input = await frames(Number(args.frames));
  const rows: Record<string, unknown>[] = [];
  for (const name of names) {
    const model = await loadModel(name);
    for (const provider of providers) {
      // The int8 variant is a CPU graph; everywhere else the float stylizer runs alone.
      const precisions: Precision[] =
        model.stylizerInt8Path && provider === 'cpu' ? ['fp32', 'int8'] : ['fp32'];
      const runs = SHAPES.flatMap((shape) => precisions.map((precision) => ({ shape, precision })));
      const pools = await Promise.all(
        runs.map(({ shape, precision }) =>
          InferencePool.open(model, {
            device: provider,
            precision,
            workers: shape.workers,
            threads: shape.threads,
          }),
        ),
      );
      const style: StyleSettings = {
        code: new Float32Array(model.card.codeSize),
        alpha: new Float32Array(model.card.levels).fill(1),
        preserveColor: false,
      };
      const { styleSize, styleFit = 'fill' } = model.card;
      const read = await styleImagePixels(
        await sharp(STYLE).toBuffer(),
        styleSize,
        styleFit,
        STYLE,
      );
      style.code = await pools[0]!.encodeStyle(read.pixels, read.width, read.height); // warm-up
      const encodeMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await pools[0]!.encodeStyle(read.pixels, read.width, read.height);
        encodeMs.push(performance.now() - started);
      }
      const best = runs.map(() => 0);
      for (const [i, pool] of pools.entries())
        await fps(pool, input.slice(0, 2 * runs[i]!.shape.workers), style, runs[i]!.shape.batch); // warm-up
      for (let round = 0; round < Number(args.rounds); round++) {
        for (const [i, pool] of pools.entries())
          best[i] = Math.max(best[i]!, await fps(pool, input, style, runs[i]!.shape.batch));
      }
      await Promise.all(pools.map((p) => p.close()));
      const top = best.indexOf(Math.max(...best));
      for (const [i, { shape, precision }] of runs.entries()) {
        // The same shape's fp32 run, measured in the same rounds.
        const fp32 = runs.findIndex((r) => r.shape === shape && r.precision === 'fp32');
        rows.push({
          model: model.card.name,
          provider,
          precision,
          ...shape,
          fps720p: Number(best[i]!.toFixed(2)),
          'int8÷fp32': precision === 'int8' ? Number((best[i]! / best[fp32]!).toFixed(2)) : '',
          styleEncodeMs: Number(Math.min(...encodeMs).toFixed(1)),
          best: i === top ? '◀' : '',
        });
      }
    }
  }
  console.table(rows);
  for (const row of rows) console.log(JSON.stringify(row));
}

await main();
