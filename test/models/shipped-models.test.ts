import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../src/infer/model-card.js';
import { DEFAULT_MODEL } from '../../src/infer/find-model.js';
import { styleImagePixels } from '../../src/infer/style-codes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const data = join(root, '..', 'shared', 'data');
const photo = join(data, 'photos', 'skimage', 'skimage_astronaut.jpg');
const painting = join(data, 'paintings', 'gcompris', 'gcompris_details_030.jpg');
const stylemetrics = join(root, '..', 'shared', 'tools', 'stylemetrics.py');
const featureSpreadModule = 'models.train.feature_spread'; // run from the repository root


interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

interface Loaded {
  manifest: ModelCard;
  encoder: ort.InferenceSession;
  stylizer: ort.InferenceSession;
}

type Graph = 'stylizer' | 'stylizerInt8';

async function load(name: string, graph: Graph = 'stylizer'): Promise<Loaded> {
  const dir = join(root, 'models', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelCard;
  const file = manifest[graph];
  if (!file) throw new Error(`models/${name} has no ${graph}`);
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  return {
    manifest,
    encoder: await ort.InferenceSession.create(join(dir, manifest.styleEncoder), opts),
    stylizer: await ort.InferenceSession.create(join(dir, file), opts),
  };
}

async function readRgb(path: string, width: number, height: number): Promise<Rgb> {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .resize(width, height, { fit: 'cover' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** A style image as the runtime reads it for this model (its `styleSize` and `styleFit`). */
async function readStyle(path: string, manifest: ModelCard): Promise<Rgb> {
  const { styleSize, styleFit = 'fill' } = manifest;
  const read = await styleImagePixels(readFileSync(path), styleSize, styleFit, path);
  return { data: read.pixels, width: read.width, height: read.height };
}

async function encodeStyle({ encoder }: Loaded, img: Rgb): Promise<ort.Tensor> {
  const out = await encoder.run({ style: new ort.Tensor('uint8', img.data, [1, img.height, img.width, 3]) });
  const code = out.code;
  if (!code) throw new Error('style encoder returned no `code`');
  return code;
}

async function stylize(
  { manifest, stylizer }: Loaded,
  img: Rgb,
  code: ort.Tensor,
  alpha: number | number[],
  n = 1,
): Promise<Uint8Array> {
  const alphas = typeof alpha === 'number' ? new Array<number>(manifest.levels).fill(alpha) : alpha;
  const frames = new Uint8Array(img.data.length * n);
  const codes = new Float32Array(manifest.codeSize * n);
  for (let i = 0; i < n; i++) {
    frames.set(img.data, i * img.data.length);
    codes.set(code.data as Float32Array, i * manifest.codeSize);
  }
  const out = await stylizer.run({
    image: new ort.Tensor('uint8', frames, [n, img.height, img.width, 3]),
    code: new ort.Tensor('float32', codes, [n, manifest.codeSize]),
    alpha: new ort.Tensor(
      'float32',
      Float32Array.from({ length: manifest.levels * n }, (_, i) => alphas[i % manifest.levels] ?? 0),
      [n, manifest.levels],
    ),
  });
  const y = out.stylized;
  if (!y) throw new Error('stylizer returned no `stylized`');
  expect(y.type).toBe('uint8');
  expect(y.dims).toEqual([n, img.height, img.width, 3]);
  return y.data as Uint8Array;
}

/** Per-channel mean and standard deviation of packed RGB. */
function colourStats(data: Uint8Array): number[] {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  const count = data.length / 3;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    const c = i % 3;
    sum[c] = (sum[c] ?? 0) + v;
    sq[c] = (sq[c] ?? 0) + v * v;
  }
  const means = sum.map((s) => s / count);
  const stds = sq.map((s, c) => Math.sqrt(Math.max(0, s / count - (means[c] ?? 0) ** 2)));
  return [...means, ...stds];
}

function distance(a: number[], b: number[]): number {
  return Math.hypot(...a.map((v, i) => v - (b[i] ?? 0)));
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

/** feature_spread.py: per VGG layer, the mean log ratio of the output's feature spread to the style's. */
async function featureSpread(image: Rgb, style: string): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-spread-'));
  try {
    const out = join(dir, 'out.png');
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toFile(out);
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-m', featureSpreadModule, style, out], {
      cwd: root,
      timeout: 120_000,
    });
    const spread = (JSON.parse(stdout) as Record<string, number[]>)[out];
    if (!spread) throw new Error(`feature_spread.py gave nothing for ${out}`);
    return spread;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** stylemetrics' style and content distances (the project's quality measure) of an output. */
async function styleScores(
  content: Rgb,
  style: string,
  output: Uint8Array,
): Promise<{ style: number; content: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-metric-'));
  try {
    const write = (data: Uint8Array, name: string) =>
      sharp(data, { raw: { width: content.width, height: content.height, channels: 3 } })
        .png()
        .toFile(join(dir, name));
    await write(content.data, 'content.png');
    await write(output, 'out.png');
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [stylemetrics, 'image', join(dir, 'content.png'), style, join(dir, 'out.png')],
      { timeout: 120_000 },
    );
    return JSON.parse(stdout) as { style: number; content: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mean log feature spread the default model must reach on the held-out sharp painting. */
const SPREAD_FLOOR = -0.1;

// every graph a model ships: the float stylizer, and the int8 one the runtime may choose instead
describe.each<[string, Graph]>([
  ['fast', 'stylizer'],
  ['paint', 'stylizer'],
  ['paint', 'stylizerInt8'],
])('models/%s, its %s', (name, graph) => {
  let model: Loaded;
  beforeAll(async () => {
    model = await load(name, graph);
  });

  it('has a complete model.json', () => {
    const { manifest } = model;
    expect(manifest.name).toBe(name);
    expect(manifest.codeSize).toBeGreaterThan(0);
    expect(manifest.levels).toBeGreaterThan(0);
    expect(manifest.sizeMultiple).toBeGreaterThan(0);
    expect(manifest.styleSize).toBeGreaterThan(0);
    expect(manifest.license).toMatch(/\S/);
    expect(manifest.source).toMatch(/train\.py/);
  });

  it('declares the contract graph inputs and outputs', () => {
    const { manifest, encoder, stylizer } = model;
    expect(encoder.inputNames).toEqual(['style']);
    expect(encoder.outputNames).toEqual(['code']);
    expect([...stylizer.inputNames].sort()).toEqual(['alpha', 'code', 'image']);
    expect(stylizer.outputNames).toEqual(['stylized']);
    const meta = (s: ort.InferenceSession, name: string, input: boolean) => {
      const list = input ? s.inputMetadata : s.outputMetadata;
      const m = list.find((x) => x.name === name);
      if (!m || !m.isTensor) throw new Error(`no tensor metadata for ${name}`);
      return m;
    };
    expect(meta(encoder, 'style', true).type).toBe('uint8');
    expect(meta(encoder, 'style', true).shape).toHaveLength(4);
    expect(meta(encoder, 'code', false).type).toBe('float32');
    expect(meta(encoder, 'code', false).shape).toEqual([1, manifest.codeSize]);
    expect(meta(stylizer, 'image', true).type).toBe('uint8');
    expect(meta(stylizer, 'image', true).shape).toHaveLength(4);
    expect(meta(stylizer, 'code', true).type).toBe('float32');
    expect(meta(stylizer, 'code', true).shape).toHaveLength(2);
    expect(meta(stylizer, 'alpha', true).type).toBe('float32');
    expect(meta(stylizer, 'alpha', true).shape).toHaveLength(2);
    expect(meta(stylizer, 'stylized', false).type).toBe('uint8');
    expect(meta(stylizer, 'stylized', false).shape).toHaveLength(4);
  });

  it('encodes a style image of any size to a finite code of codeSize', async () => {
    const { manifest } = model;
    for (const [w, h] of [
      [manifest.styleSize, manifest.styleSize],
      [300, 177],
    ] as const) {
      const code = await encodeStyle(model, await readRgb(painting, w, h));
      expect(code.dims).toEqual([1, manifest.codeSize]);
      expect([...(code.data as Float32Array)].every(Number.isFinite)).toBe(true);
    }
  });

  it('runs at several sizes that are multiples of sizeMultiple, and in batches', async () => {
    const { manifest } = model;
    const code = await encodeStyle(model, await readStyle(painting, manifest));
    const m = manifest.sizeMultiple;
    for (const [w, h] of [
      [m, m],
      [4 * m, 3 * m],
      [10 * m, 6 * m],
    ] as const) {
      await stylize(model, await readRgb(photo, w, h), code, 1);
    }
    const img = await readRgb(photo, 6 * m, 4 * m);
    const two = await stylize(model, img, code, 1, 2);
    const half = two.length / 2;
    expect(meanAbsDiff(two.subarray(0, half), two.subarray(half))).toBe(0);
  });

  it('blends: the code halfway between two styles stylizes between them', async () => {
    const { manifest } = model;
    const img = await readRgb(photo, 8 * manifest.sizeMultiple, 6 * manifest.sizeMultiple);
    const a = await encodeStyle(model, await readStyle(painting, manifest));
    const b = await encodeStyle(model, await readStyle(photo, manifest));
    const mid = new ort.Tensor(
      'float32',
      (a.data as Float32Array).map((v, i) => (v + ((b.data as Float32Array)[i] ?? 0)) / 2),
      a.dims,
    );
    const ya = await stylize(model, img, a, 1);
    const yb = await stylize(model, img, b, 1);
    const ym = await stylize(model, img, mid, 1);
    const ab = meanAbsDiff(ya, yb);
    expect(ab).toBeGreaterThan(3);
    expect(meanAbsDiff(ym, ya)).toBeLessThan(ab);
    expect(meanAbsDiff(ym, yb)).toBeLessThan(ab);
  });

  it('stylizes: a real photo moves towards a real painting, and alpha 0 stays with the content', async () => {
    const { manifest } = model;
    const m = manifest.sizeMultiple;
    const img = await readRgb(photo, 20 * m, 16 * m);
    const style = await readStyle(painting, manifest);
    const code = await encodeStyle(model, style);
    const full = await stylize(model, img, code, 1);
    const none = await stylize(model, img, code, 0);

    const target = colourStats(style.data);
    const before = distance(colourStats(img.data), target);
    const after = distance(colourStats(full), target);
    expect(after).toBeLessThan(0.7 * before);

    expect(meanAbsDiff(full, none)).toBeGreaterThan(5);
    expect(meanAbsDiff(none, img.data)).toBeLessThan(meanAbsDiff(full, img.data));
  });

  it('honours alpha per level: each level alone changes the picture', async () => {
    const { manifest } = model;
    const img = await readRgb(photo, 8 * manifest.sizeMultiple, 6 * manifest.sizeMultiple);
    const code = await encodeStyle(model, await readStyle(painting, manifest));
    const none = await stylize(model, img, code, 0);
    for (let level = 0; level < manifest.levels; level++) {
      const one = new Array<number>(manifest.levels).fill(0);
      one[level] = 1;
      expect(meanAbsDiff(await stylize(model, img, code, one), none)).toBeGreaterThan(0.01);
    }
  });
});

describe('the default model', () => {
  const pair = { photo: join(data, 'photos', 'skimage', 'skimage_coffee.jpg'), painting };

  it('is paint', () => {
    expect(DEFAULT_MODEL).toBe('paint');
  });

  it(
    'paints, in fp32 and int8: stylemetrics puts its output far closer to the painting than the input, and than fast',
    async () => {
      const shipped: Record<string, { style: number; content: number; input: number }> = {};
      const graphs: [string, string, Graph][] = [
        ['fast', 'fast', 'stylizer'],
        ['paint', 'paint', 'stylizer'],
        ['paintInt8', 'paint', 'stylizerInt8'],
      ];
      for (const [key, name, graph] of graphs) {
        const model = await load(name, graph);
        const img = await readRgb(pair.photo, 512, 384);
        const code = await encodeStyle(
          model,
          await readStyle(pair.painting, model.manifest),
        );
        const out = await stylize(model, img, code, 1);
        const scores = await styleScores(img, pair.painting, out);
        const input = (await styleScores(img, pair.painting, img.data)).style;
        shipped[key] = { ...scores, input };
      }
      const { fast, paint, paintInt8 } = shipped;
      if (!fast || !paint || !paintInt8) throw new Error('no scores');
      // the style distance paint removes from the input is well beyond what fast removes
      for (const p of [paint, paintInt8]) {
        expect(p.input - p.style).toBeGreaterThan(1.5 * (fast.input - fast.style));
        expect(p.content).toBeLessThan(2);
      }
    },
    240_000,
  );

  // A sharp, strongly textured painting held out of training (data.py's hash split), on a smooth
  // photo at 1280x720: a model that tints keeps the flat background flat, and its VGG features
  // spread far less than the painting's. Mean log spread here: step 9,359 (the model of 3 Dec)
  // -0.168 in fp32 (-0.157 / -0.217 / -0.131); step 10,714 -0.088 in fp32 and in int8. The floor
  // asks for 40% of the old shortfall gone.
  it(
    'paints the texture of a held-out sharp painting into flat areas, in fp32 and int8',
    async () => {
      const heldOut = join(data, 'paintings', 'sharp', 'wikiart1080', '4_Post-Impressionism_2217.jpg');
      const smooth = join(data, 'photos', 'debian_wallpapers', 'mate_YellowFlower.jpg');
      for (const graph of ['stylizer', 'stylizerInt8'] as const) {
        const model = await load('paint', graph);
        const img = await readRgb(smooth, 1280, 720);
        const out = await stylize(model, img, await encodeStyle(model, await readStyle(heldOut, model.manifest)), 1);
        const spread = await featureSpread({ ...img, data: out }, heldOut);
        const mean = spread.reduce((a, b) => a + b, 0) / spread.length;
        expect(mean, `${graph}: log spread ${spread.join(' / ')}`).toBeGreaterThan(SPREAD_FLOOR);
      }
    },
    240_000,
  );
});
