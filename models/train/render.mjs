// Render with a stylecast model folder through onnxruntime-node (the runtime's own path), for eval.
//   node models/train/render.mjs MODEL_DIR pairs EVAL_DIR OUT_DIR [--alpha 1]
//       every EVAL_DIR/eN.content.jpg with eN.style.jpg -> OUT_DIR/eN.out.png (+ links to the inputs)
//   node models/train/render.mjs MODEL_DIR video FRAMES_DIR STYLE OUT_DIR [--alpha 1] [--frames 40]
//       a folder of frames -> OUT_DIR/00000.png ...
// --scale S (default 1) runs the model on frames shrunk by S and enlarges its output back to the
// frame's size (bicubic), as a pipeline that stylizes at a smaller working size would.
// Frames whose sides are not multiples of the model's sizeMultiple are edge-padded, then cropped
// back, as the runtime does.
import { mkdirSync, readdirSync, symlinkSync, existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

// Read at the first session: no telemetry, as in stylecast itself (src/infer/ort-offline.ts).
process.env.ORT_DISABLE_TELEMETRY ??= '1';
import sharp from 'sharp';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    alpha: { type: 'string', default: '1' },
    frames: { type: 'string', default: '40' },
    scale: { type: 'string', default: '1' },
  },
});
const [dir, mode, ...rest] = positionals;
const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 2 };
const encoder = await ort.InferenceSession.create(join(dir, meta.styleEncoder), opts);
const stylizer = await ort.InferenceSession.create(join(dir, meta.stylizer), opts);
const alphaValue = Number(values.alpha);
const scale = Number(values.scale);

async function rgb(path, size, fit = 'fill') {
  let img = sharp(path).removeAlpha().toColourspace('srgb');
  if (size) img = img.resize(size, size, { fit });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function encodeStyle(path) {
  const s = await rgb(path, meta.styleSize, meta.styleFit ?? 'fill'); // as src/infer/style-codes.ts reads it
  const out = await encoder.run({ style: new ort.Tensor('uint8', s.data, [1, s.height, s.width, 3]) });
  return out.code;
}

function pad(img, m) {
  const H = Math.ceil(img.height / m) * m;
  const W = Math.ceil(img.width / m) * m;
  if (H === img.height && W === img.width) return { ...img, H, W, padded: img.data };
  const out = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(y, img.height - 1);
    for (let x = 0; x < W; x++) {
      const sx = Math.min(x, img.width - 1);
      const o = (y * W + x) * 3;
      const i = (sy * img.width + sx) * 3;
      out[o] = img.data[i]; out[o + 1] = img.data[i + 1]; out[o + 2] = img.data[i + 2];
    }
  }
  return { ...img, H, W, padded: out };
}

function crop(data, W, width, height) {
  if (W === width) return data.subarray(0, width * height * 3);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) out.set(data.subarray(y * W * 3, y * W * 3 + width * 3), y * width * 3);
  return out;
}

async function resized(img, width, height) {
  const raw = { width: img.width, height: img.height, channels: 3 };
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

async function stylize(full, code) {
  if (scale === 1) return stylizeAtSize(full, code);
  const small = await resized(full, Math.round(full.width * scale), Math.round(full.height * scale));
  const out = { ...small, data: await stylizeAtSize(small, code) };
  return (await resized(out, full.width, full.height)).data;
}

async function stylizeAtSize(img, code) {
  const p = pad(img, meta.sizeMultiple);
  const alpha = new ort.Tensor('float32', new Float32Array(meta.levels).fill(alphaValue), [1, meta.levels]);
  const out = await stylizer.run({ image: new ort.Tensor('uint8', p.padded, [1, p.H, p.W, 3]), code, alpha });
  return crop(out.stylized.data, p.W, img.width, img.height);
}

async function save(data, width, height, path) {
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.length), { raw: { width, height, channels: 3 } }).png().toFile(path);
}

if (mode === 'pairs') {
  const [evalDir, outDir] = rest.map((p) => resolve(p));
  mkdirSync(outDir, { recursive: true });
  const names = readdirSync(evalDir).filter((n) => n.endsWith('.content.jpg')).map((n) => n.slice(0, -'.content.jpg'.length)).sort();
  for (const name of names) {
    const code = await encodeStyle(join(evalDir, `${name}.style.jpg`));
    const img = await rgb(join(evalDir, `${name}.content.jpg`));
    await save(await stylize(img, code), img.width, img.height, join(outDir, `${name}.out.png`));
    for (const kind of ['content', 'style']) {
      const link = join(outDir, `${name}.${kind}.jpg`);
      if (!existsSync(link)) symlinkSync(join(evalDir, `${name}.${kind}.jpg`), link);
    }
  }
  console.log(`rendered ${names.length} pairs to ${outDir}`);
} else if (mode === 'video') {
  const [framesDir, stylePath, outDir] = rest.map((p) => resolve(p));
  mkdirSync(outDir, { recursive: true });
  const code = await encodeStyle(stylePath);
  const files = readdirSync(framesDir).filter((n) => /\.(jpg|png)$/.test(n)).sort().slice(0, Number(values.frames));
  for (const f of files) {
    const img = await rgb(join(framesDir, f));
    await save(await stylize(img, code), img.width, img.height, join(outDir, f.replace(/\.jpg$/, '.png')));
  }
  console.log(`rendered ${files.length} frames to ${outDir}`);
} else {
  console.error('usage: render.mjs MODEL_DIR pairs EVAL_DIR OUT_DIR | video FRAMES_DIR STYLE OUT_DIR');
  process.exit(2);
}
