/**
 * npm run bench [-- --model fast --seconds 6 --memory-minutes 10]
 *
 * Measures, side by side in one run at 1280×720 on this machine:
 *   model-only fps    the inference pool alone on frames already in memory
 *   render fps        the whole pipeline (decode → queue → workers → in order → encode)
 *   efficiency        render fps ÷ model-only fps
 *   naive fps         decode one frame, stylize it on the main thread, encode it, repeat
 *   speed-up          render fps ÷ naive fps
 *   schedule          render fps with a 3-segment schedule ÷ render fps with one style
 *   peak RSS          of a whole CLI render of a short and of a long clip (flat with length)
 * Prints a table and one JSON line. Figures vary with machine load; compare ratios, not times.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeFrames } from '../src/decode/decode-frames.js';
import { prepareOutput } from '../src/encode/output-file.js';
import { VideoEncoder } from '../src/encode/video-encoder.js';
import { sessionOptions } from '../src/infer/execution-provider.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel } from '../src/infer/load-model.js';
import { StyleCodes } from '../src/infer/style-codes.js';
import { planRender, renderVideo } from '../src/render/render-video.js';
import { poolStylizer } from '../src/stylizer/open-stylizer.js';
import { makeClip } from '../test/helpers/media.js';
import { loadSchedule } from '../src/schedule/load-schedule.js';
import { createScheduleStyle } from '../src/schedule/schedule-style.js';
import type { Frame, StyleForFrame, StyleSettings } from '../src/types.js';
import { keepOrtOffline } from '../src/infer/ort-offline.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'fast' },
    seconds: { type: 'string', default: '6' },
    'memory-minutes': { type: 'string', default: '10' },
    workers: { type: 'string' },
    threads: { type: 'string' },
  },
});
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 25;
const STYLE = new URL('../assets/sample/style.jpg', import.meta.url).pathname;
const CLI = new URL('../src/cli/run.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-'));

/** The test pattern at the bench size, with a sine tone. */
const clipSpec = (seconds: number) => ({ width: WIDTH, height: HEIGHT, fps: FPS, seconds });

async function allFrames(path: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const f of decodeFrames({
    inputArgs: ['-i', path],
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    label: path,
  }))
    frames.push(f);
  return frames;
}

async function modelOnlyFps(
  pool: InferencePool,
  frames: Frame[],
  style: StyleSettings,
): Promise<number> {
  // Copies, because a stylized frame's buffer is transferred to its worker.
  const copies = frames.map((f) => ({ ...f, data: f.data.slice() }));
  const started = performance.now();
  await Promise.all(copies.map((f) => pool.stylize([f], [style])));
  return frames.length / ((performance.now() - started) / 1000);
}

async function pipelineFps(
  pool: InferencePool,
  clip: string,
  styleFor: StyleForFrame,
): Promise<number> {
  const plan = await planRender({ input: clip, output: join(dir, 'pipeline.mp4') });
  const started = performance.now();
  const result = await renderVideo(poolStylizer(pool), { ...plan, styleFor });
  return result.frames / ((performance.now() - started) / 1000);
}

/** Three styled segments with transitions between them, over the whole clip. */
async function threeStyleSchedule(
  styles: StyleCodes,
  levels: number,
  seconds: number,
): Promise<StyleForFrame> {
  const images = ['a.png', 'b.png', 'c.png'].map((name) => join(dir, name));
  await sharp(STYLE).toFile(images[0]!);
  await sharp(STYLE).flop().modulate({ hue: 120 }).toFile(images[1]!);
  await sharp(STYLE).negate({ alpha: false }).toFile(images[2]!);
  const third = seconds / 3;
  const file = join(dir, 'schedule.json');
  writeFileSync(
    file,
    JSON.stringify({
      transition: 0.5,
      segments: images.map((image, i) => ({
        start: i * third,
        end: (i + 1) * third,
        style: image,
      })),
    }),
  );
  const { schedule } = await loadSchedule(file);
  return createScheduleStyle(schedule, { encoder: styles, levels });
}

/** The straightforward alternative: one thread, one frame at a time, same model and encoder. */
async function naiveFps(
  stylizerPath: string,
  clip: string,
  style: StyleSettings,
  levels: number,
  codeSize: number,
): Promise<number> {
  keepOrtOffline();
  const session = await ort.InferenceSession.create(stylizerPath, sessionOptions('cpu', 1));
  const output = await prepareOutput(join(dir, 'naive.mp4'));
  const started = performance.now();
  const encoder = VideoEncoder.open({
    output,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    audio: { path: clip, codec: 'aac' },
  });
  let count = 0;
  for await (const frame of decodeFrames({
    inputArgs: ['-i', clip],
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    label: clip,
  })) {
    const result = await session.run({
      image: new ort.Tensor('uint8', frame.data, [1, HEIGHT, WIDTH, 3]),
      code: new ort.Tensor('float32', style.code, [1, codeSize]),
      alpha: new ort.Tensor('float32', style.alpha, [1, levels]),
    });
    await encoder.write({ ...frame, data: result.stylized!.data as Uint8Array });
    count += 1;
  }
  await encoder.finish();
  await session.release();
  return count / ((performance.now() - started) / 1000);
}

function peakRssMb(clip: string, model: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        CLI,
        'render',
        clip,
        '-m',
        model,
        '--style',
        STYLE,
        '-o',
        join(dir, 'rss.mp4'),
        '--json',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out).peakRssMb as number)
        : reject(new Error(`render exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const model = await loadModel(args.model!);
  const workers = args.workers ? Number(args.workers) : undefined;
  const threads = args.threads ? Number(args.threads) : undefined;
  const pool = await InferencePool.open(model, { device: 'cpu', workers, threads });
  const styles = new StyleCodes(pool);
  const style: StyleSettings = {
    code: await styles.fromFile(STYLE),
    alpha: new Float32Array(model.card.levels).fill(1),
    preserveColor: false,
  };
  const clip = await makeClip(join(dir, 'clip.mp4'), clipSpec(Number(args.seconds)));
  const frames = await allFrames(clip);
  console.error(
    `model ${model.card.name}, ${frames.length} frames at ${WIDTH}x${HEIGHT}, ${pool.workerCount} workers × ${pool.threadsPerWorker} threads`,
  );

  const scheduled = await threeStyleSchedule(styles, model.card.levels, Number(args.seconds));
  await modelOnlyFps(pool, frames.slice(0, 4), style); // warm-up
  // Interleave the measurements so that load on the machine falls on each alike.
  const modelRuns: number[] = [];
  const pipelineRuns: number[] = [];
  const scheduleRuns: number[] = [];
  for (let round = 0; round < 2; round++) {
    modelRuns.push(await modelOnlyFps(pool, frames, style));
    pipelineRuns.push(await pipelineFps(pool, clip, () => style));
    scheduleRuns.push(await pipelineFps(pool, clip, scheduled));
  }
  const shape = { workers: pool.workerCount, threads: pool.threadsPerWorker };
  await pool.close();
  const naive = await naiveFps(
    model.stylizerPath,
    clip,
    style,
    model.card.levels,
    model.card.codeSize,
  );
  const model1 = Math.max(...modelRuns);
  const pipeline1 = Math.max(...pipelineRuns);

  const minutes = Number(args['memory-minutes']);
  let memory: { shortMb: number; longMb: number } | null = null;
  if (minutes > 0) {
    const short = await makeClip(join(dir, 'short.mp4'), clipSpec(10));
    const long = await makeClip(join(dir, 'long.mp4'), clipSpec(minutes * 60));
    memory = {
      shortMb: await peakRssMb(short, model.dir),
      longMb: await peakRssMb(long, model.dir),
    };
  }

  const report = {
    model: model.card.name,
    machine: `${execFileSync('nproc').toString().trim()} cores`,
    ...shape,
    modelOnlyFps: Number(model1.toFixed(2)),
    renderFps: Number(pipeline1.toFixed(2)),
    efficiency: Number((pipeline1 / model1).toFixed(3)),
    naiveFps: Number(naive.toFixed(2)),
    speedupOverNaive: Number((pipeline1 / naive).toFixed(2)),
    scheduleFps: Number(Math.max(...scheduleRuns).toFixed(2)),
    scheduleVsSingleStyle: Number((Math.max(...scheduleRuns) / pipeline1).toFixed(3)),
    peakRssMb: memory,
    peakRssRatio: memory ? Number((memory.longMb / memory.shortMb).toFixed(3)) : null,
  };
  console.table(report);
  console.log(JSON.stringify(report));
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
