// How far a model's int8 stylizer strays from its float one: the mean absolute difference (0..255)
// of their 1280x720 outputs, per photo, each photo with a different painting.
//   node models/train/fidelity.mjs models/paint [--pairs 6]
// Photos and paintings are every k-th file of ../shared/data/photos and paintings (not the eval
// pairs, which only measure quality).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

// Read at the first session: no telemetry, as in stylecast itself (src/infer/ort-offline.ts).
process.env.ORT_DISABLE_TELEMETRY ??= '1';
import sharp from 'sharp';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { pairs: { type: 'string', default: '6' } },
});
const [dir = 'models/paint'] = positionals;
const PAIRS = Number(values.pairs);
const data = new URL('../../../shared/data/', import.meta.url).pathname;
const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
if (!meta.stylizerInt8) throw new Error(`${dir} has no stylizerInt8`);

function every(folder, count) {
  const files = readdirSync(join(data, folder), { recursive: true })
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  const step = Math.floor(files.length / count);
  return Array.from({ length: count }, (_, i) => join(data, folder, files[i * step]));
}

const rgb = async (path, w, h) =>
  new Uint8Array(await sharp(path).removeAlpha().resize(w, h, { fit: 'cover' }).raw().toBuffer());
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 2 };
const encoder = await ort.InferenceSession.create(join(dir, meta.styleEncoder), opts);
const float = await ort.InferenceSession.create(join(dir, meta.stylizer), opts);
const int8 = await ort.InferenceSession.create(join(dir, meta.stylizerInt8), opts);
const photos = every('photos', PAIRS);
const paintings = every('paintings', PAIRS);
const side = meta.styleSize;
let total = 0;
for (const [i, photo] of photos.entries()) {
  const style = new ort.Tensor('uint8', await rgb(paintings[i], side, side), [1, side, side, 3]);
  const { code } = await encoder.run({ style });
  const feeds = {
    image: new ort.Tensor('uint8', await rgb(photo, 1280, 720), [1, 720, 1280, 3]),
    code,
    alpha: new ort.Tensor('float32', new Float32Array(meta.levels).fill(1), [1, meta.levels]),
  };
  const a = (await float.run(feeds)).stylized.data;
  const b = (await int8.run(feeds)).stylized.data;
  let diff = 0;
  for (let k = 0; k < a.length; k++) diff += Math.abs(a[k] - b[k]);
  total += diff / a.length;
  console.log(`${(diff / a.length).toFixed(2).padStart(6)}  ${photo.slice(data.length)} × ${paintings[i].slice(data.length)}`);
}
console.log(`${(total / PAIRS).toFixed(2).padStart(6)}  mean over ${PAIRS} pairs (of 255)`);
