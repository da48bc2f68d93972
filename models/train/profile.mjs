// ORT's own per-op profile of a model's stylizer on the CPU provider: where a frame's time goes.
//   node models/train/profile.mjs models/paint [--width 1280 --height 720 --frames 20 --threads 1]
//                                              [--graph stylizer.int8.onnx] [--top 10]
// Prints the total milliseconds per frame by op type, and the costliest nodes with their output
// shapes (the shapes show which layout ORT chose: NCHWc blocks, or NHWC around QLinearConv).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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
    frames: { type: 'string', default: '20' },
    threads: { type: 'string', default: '1' },
    graph: { type: 'string' },
    top: { type: 'string', default: '10' },
  },
});
const [dir = 'models/paint'] = positionals;
const W = Number(values.width);
const H = Number(values.height);
const FRAMES = Number(values.frames);
const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const prefix = `/tmp/stylecast-profile-${process.pid}`;
// ORT names the file itself (prefix + date); endProfiling() returns nothing in onnxruntime-node
const session = await ort.InferenceSession.create(join(dir, values.graph ?? meta.stylizer), {
  executionProviders: ['cpu'],
  intraOpNumThreads: Number(values.threads),
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: prefix,
});
const data = new Uint8Array(H * W * 3);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
const feeds = {
  image: new ort.Tensor('uint8', data, [1, H, W, 3]),
  code: new ort.Tensor('float32', new Float32Array(meta.codeSize).fill(0.3), [1, meta.codeSize]),
  alpha: new ort.Tensor('float32', new Float32Array(meta.levels).fill(1), [1, meta.levels]),
};
for (let i = 0; i < 3 + FRAMES; i++) await session.run(feeds);
session.endProfiling();
const base = prefix.split('/').pop();
const file = join('/tmp', readdirSync('/tmp').find((f) => f.startsWith(base)));
const events = JSON.parse(readFileSync(file, 'utf8'));
rmSync(file);
const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const measured = runs.slice(3);
const perFrame = (us) => us / 1000 / FRAMES;
const t0 = measured[0].ts;
const byType = new Map();
const byNode = new Map();
for (const e of nodes) {
  if (e.ts < t0) continue;
  const type = e.args.op_name;
  byType.set(type, (byType.get(type) ?? 0) + e.dur);
  const name = e.name.replace(/_kernel_time$/, '');
  const shape = JSON.stringify(Object.values(e.args.output_type_shape?.[0] ?? {})[0] ?? []);
  byNode.set(name, { type, shape, dur: (byNode.get(name)?.dur ?? 0) + e.dur });
}
const total = measured.reduce((s, e) => s + e.dur, 0);
console.log(`${join(dir, values.graph ?? meta.stylizer)} at ${W}x${H}, ${values.threads} thread(s): ${perFrame(total).toFixed(1)} ms a frame`);
for (const [type, dur] of [...byType].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${type.padEnd(24)} ${perFrame(dur).toFixed(2).padStart(7)} ms`);
}
console.log('costliest nodes:');
const top = [...byNode].sort((a, b) => b[1].dur - a[1].dur).slice(0, Number(values.top));
for (const [name, { type, shape, dur }] of top) {
  console.log(`  ${perFrame(dur).toFixed(2).padStart(7)} ms  ${type.padEnd(20)} ${shape.padEnd(22)} ${name}`);
}
