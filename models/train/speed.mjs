// Model-only speed of a stylecast model folder on the CPU provider, in Node with onnxruntime-node.
//   node models/train/speed.mjs models/fast [--width 1280 --height 720 --frames 60]
// Reports, for 1 session x 2 threads and 2 sessions x 1 thread (each driven concurrently, the
// way the runtime's worker pool runs them), frames per second, plus style-encoding milliseconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    frames: { type: 'string', default: '60' },
  },
});
const dir = positionals[0] ?? 'models/fast';
const W = Number(values.width);
const H = Number(values.height);
const FRAMES = Number(values.frames);
const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));

function frame() {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return new ort.Tensor('uint8', data, [1, H, W, 3]);
}

async function session(file, threads) {
  return ort.InferenceSession.create(join(dir, file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

const code = new ort.Tensor('float32', new Float32Array(meta.codeSize).fill(0.3), [1, meta.codeSize]);
const alpha = new ort.Tensor('float32', new Float32Array(meta.levels).fill(1), [1, meta.levels]);

async function throughput(sessions, threads) {
  const ss = [];
  for (let i = 0; i < sessions; i++) ss.push(await session(meta.stylizer, threads));
  const img = frame();
  for (const s of ss) for (let i = 0; i < 3; i++) await s.run({ image: img, code, alpha });
  const per = Math.ceil(FRAMES / sessions);
  const t0 = performance.now();
  await Promise.all(ss.map(async (s) => { for (let i = 0; i < per; i++) await s.run({ image: img, code, alpha }); }));
  const dt = (performance.now() - t0) / 1000;
  return (per * sessions) / dt;
}

const enc = await session(meta.styleEncoder, 2);
const style = new ort.Tensor('uint8', new Uint8Array(256 * 256 * 3).fill(100), [1, 256, 256, 3]);
const big = new ort.Tensor('uint8', new Uint8Array(768 * 512 * 3).fill(100), [1, 512, 768, 3]);
for (let i = 0; i < 3; i++) await enc.run({ style });
let t = performance.now();
for (let i = 0; i < 10; i++) await enc.run({ style });
const encMs = (performance.now() - t) / 10;
t = performance.now();
for (let i = 0; i < 5; i++) await enc.run({ style: big });
const encBigMs = (performance.now() - t) / 5;

const r = {
  model: dir, size: `${W}x${H}`,
  fps_1x2: Number((await throughput(1, 2)).toFixed(1)),
  fps_2x1: Number((await throughput(2, 1)).toFixed(1)),
  fps_1x1: Number((await throughput(1, 1)).toFixed(1)),
  style_encode_ms_256: Number(encMs.toFixed(1)),
  style_encode_ms_768x512: Number(encBigMs.toFixed(1)),
};
console.log(JSON.stringify(r));
