// Model-only speed of stylecast model folders on the CPU provider, in Node with onnxruntime-node.
//   node models/train/speed.mjs models/fast [/tmp/teacher ...] [--width 1280 --height 720 --seconds 8]
// Reports for each folder, in one run: frames per second for 1 session x 2 threads, 2 sessions x
// 1 thread (driven concurrently, the way the runtime's worker pool runs them) and 1 x 1, plus
// style-encoding milliseconds. Each configuration runs for --seconds after 2 warm-up frames.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

// Read at the first session: no telemetry, as in stylecast itself (src/infer/ort-offline.ts).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    seconds: { type: 'string', default: '8' },
  },
});
const W = Number(values.width);
const H = Number(values.height);
const SECONDS = Number(values.seconds);

function frame() {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return new ort.Tensor('uint8', data, [1, H, W, 3]);
}

async function session(dir, file, threads) {
  return ort.InferenceSession.create(join(dir, file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

async function throughput(dir, meta, sessions, threads) {
  const code = new ort.Tensor('float32', new Float32Array(meta.codeSize).fill(0.3), [1, meta.codeSize]);
  const alpha = new ort.Tensor('float32', new Float32Array(meta.levels).fill(1), [1, meta.levels]);
  const ss = [];
  for (let i = 0; i < sessions; i++) ss.push(await session(dir, meta.stylizer, threads));
  const img = frame();
  for (const s of ss) for (let i = 0; i < 2; i++) await s.run({ image: img, code, alpha });
  let frames = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(ss.map(async (s) => {
    while (performance.now() < end) { await s.run({ image: img, code, alpha }); frames++; }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { fps: frames / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / frames };
}

for (const dir of positionals.length ? positionals : ['models/fast']) {
const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const enc = await session(dir, meta.styleEncoder, 2);
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
  load_average_1min: Number(os.loadavg()[0].toFixed(2)),
  model: dir, size: `${W}x${H}`,
  fps_1x2: Number((await throughput(dir, meta, 1, 2)).fps.toFixed(1)),
  fps_2x1: Number((await throughput(dir, meta, 2, 1)).fps.toFixed(1)),
  ...(await throughput(dir, meta, 1, 1).then((t) => ({
    fps_1x1: Number(t.fps.toFixed(1)),
    // CPU time one frame costs on one thread; 2000 / this is the 2-core throughput when nothing else runs
    cpu_ms_per_frame_1x1: Number(t.cpuMs.toFixed(1)),
    fps_2cores_from_cpu_time: Number((2000 / t.cpuMs).toFixed(1)),
  }))),
  style_encode_ms_256: Number(encMs.toFixed(1)),
  style_encode_ms_768x512: Number(encBigMs.toFixed(1)),
};
console.log(JSON.stringify(r));
}
