import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../src/infer/model-card.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const modelDir = join(root, 'models', 'fast');
const data = join(root, '..', 'shared', 'data');
const photo = join(data, 'photos', 'skimage', 'skimage_astronaut.jpg');
const painting = join(data, 'paintings', 'gcompris', 'gcompris_details_030.jpg');


interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as ModelCard;
let encoder: ort.InferenceSession;
let stylizer: ort.InferenceSession;

async function readRgb(path: string, width: number, height: number): Promise<Rgb> {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .resize(width, height, { fit: 'cover' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function encodeStyle(img: Rgb): Promise<ort.Tensor> {
  const out = await encoder.run({ style: new ort.Tensor('uint8', img.data, [1, img.height, img.width, 3]) });
  const code = out.code;
  if (!code) throw new Error('style encoder returned no `code`');
  return code;
}

async function stylize(img: Rgb, code: ort.Tensor, alpha: number, n = 1): Promise<Uint8Array> {
  const frames = new Uint8Array(img.data.length * n);
  const codes = new Float32Array(manifest.codeSize * n);
  for (let i = 0; i < n; i++) {
    frames.set(img.data, i * img.data.length);
    codes.set(code.data as Float32Array, i * manifest.codeSize);
  }
  const out = await stylizer.run({
    image: new ort.Tensor('uint8', frames, [n, img.height, img.width, 3]),
    code: new ort.Tensor('float32', codes, [n, manifest.codeSize]),
    alpha: new ort.Tensor('float32', new Float32Array(manifest.levels * n).fill(alpha), [n, manifest.levels]),
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

beforeAll(async () => {
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  encoder = await ort.InferenceSession.create(join(modelDir, manifest.styleEncoder), opts);
  stylizer = await ort.InferenceSession.create(join(modelDir, manifest.stylizer), opts);
});

describe('models/fast', () => {
  it('has a complete model.json', () => {
    expect(manifest.name).toBe('fast');
    expect(manifest.family).toBe('adain');
    expect(manifest.codeSize).toBeGreaterThan(0);
    expect(manifest.levels).toBeGreaterThan(0);
    expect(manifest.sizeMultiple).toBeGreaterThan(0);
    expect(manifest.styleSize).toBeGreaterThan(0);
    expect(manifest.license).toMatch(/\S/);
    expect(manifest.source).toMatch(/train\.py/);
  });

  it('declares the contract graph inputs and outputs', () => {
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
    for (const [w, h] of [
      [manifest.styleSize, manifest.styleSize],
      [300, 177],
    ] as const) {
      const code = await encodeStyle(await readRgb(painting, w, h));
      expect(code.dims).toEqual([1, manifest.codeSize]);
      expect([...(code.data as Float32Array)].every(Number.isFinite)).toBe(true);
    }
  });

  it('runs at several sizes that are multiples of sizeMultiple, and in batches', async () => {
    const code = await encodeStyle(await readRgb(painting, manifest.styleSize, manifest.styleSize));
    const m = manifest.sizeMultiple;
    for (const [w, h] of [
      [m, m],
      [4 * m, 3 * m],
      [10 * m, 6 * m],
    ] as const) {
      await stylize(await readRgb(photo, w, h), code, 1);
    }
    const img = await readRgb(photo, 6 * m, 4 * m);
    const two = await stylize(img, code, 1, 2);
    const half = two.length / 2;
    expect(meanAbsDiff(two.subarray(0, half), two.subarray(half))).toBe(0);
  });

  it('stylizes: a real photo moves towards a real painting, and alpha 0 stays with the content', async () => {
    const m = manifest.sizeMultiple;
    const img = await readRgb(photo, 20 * m, 16 * m);
    const style = await readRgb(painting, manifest.styleSize, manifest.styleSize);
    const code = await encodeStyle(style);
    const full = await stylize(img, code, 1);
    const none = await stylize(img, code, 0);

    const target = colourStats(style.data);
    const before = distance(colourStats(img.data), target);
    const after = distance(colourStats(full), target);
    expect(after).toBeLessThan(0.7 * before);

    expect(meanAbsDiff(full, none)).toBeGreaterThan(5);
    expect(meanAbsDiff(none, img.data)).toBeLessThan(meanAbsDiff(full, img.data));
  });
});
