import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContractModel,
  expectImportFailure,
  SHARED,
  maxAbsDiff,
  readRaw,
  readRgb,
  runPython,
  runPythonModule,
  tempDir,
  writePng,
  type ModelJson,
} from './import-helpers.js';

// Python (torch) starts and VGG runs share two cores with model training: be patient, not flaky.
const HEAVY = 600_000;
const IMPORTER = 'models.importers.adain';
const VGG = path.join(SHARED, 'weights/vgg19-normalised-relu3_1');
const ENCODER_3 = path.join(VGG, 'vgg_normalised_conv3_1.pth');
const DECODER_3 = path.join(VGG, 'feature_invertor_conv3_1.pth');
const PHOTOS = [
  ['kodak24/kodim03.jpg', 192, 128],
  ['skimage/skimage_chelsea.jpg', 160, 120],
  ['set14/baboon.jpg', 128, 128],
] as const;
const STYLE = path.join(SHARED, 'data/paintings/nst_styles/candy.jpg');

function photo(name: string): string {
  return path.join(SHARED, 'data/photos', name);
}

/**
 * Runs the model with ONNX Runtime and the independent PyTorch reference on the same photos
 * (each stretched to width × height) and alphas; returns the largest pixel difference.
 */
async function compareWithReference(
  dir: string,
  model: ContractModel,
  cut: string,
  encoder: string,
  decoder: string,
  jobs: ReadonlyArray<readonly [photo: string, width: number, height: number, alpha: number]>,
): Promise<number> {
  const side = model.meta.styleSize;
  const stylePng = path.join(dir, `style-${side}.png`);
  await writePng(stylePng, await readRgb(STYLE, side, side));
  const code = await model.encodeStyle(STYLE);
  const args = [cut, encoder, decoder, stylePng];
  const contents = await Promise.all(
    jobs.map(async ([name, width, height, alpha], i) => {
      const content = await readRgb(photo(name), width, height);
      const png = path.join(dir, `content-${i}.png`);
      const raw = path.join(dir, `ref-${i}.raw`);
      await writePng(png, content);
      args.push(png, String(alpha), raw);
      return { content, raw, alpha };
    }),
  );
  const r = await runPython('test/models/adain_reference.py', args);
  expect(r.code, r.stderr).toBe(0);
  const ref = JSON.parse(r.stdout) as { code: number[] };
  expect(maxAbsDiff(code, ref.code)).toBeLessThan(1e-2 * Math.max(1, ...ref.code.map(Math.abs)));
  let worst = 0;
  for (const { content, raw, alpha } of contents) {
    const [out] = await model.stylize([content], [code], [[alpha]]);
    const expected = await readRaw(raw, content.width, content.height);
    worst = Math.max(worst, maxAbsDiff(out!.data, expected.data));
  }
  return worst;
}

describe('adain importer on the relu3_1 VGG-19 weights', { timeout: HEAVY }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let modelDir: string;
  let model: ContractModel;

  beforeAll(async () => {
    tmp = await tempDir('adain3');
    modelDir = path.join(tmp.dir, 'adain-relu3_1');
    const r = await runPythonModule(IMPORTER, [
      '--encoder',
      ENCODER_3,
      '--decoder',
      DECODER_3,
      '--license',
      'MIT',
      '--out',
      modelDir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(modelDir);
    model = await ContractModel.open(modelDir);
  }, HEAVY);

  afterAll(async () => {
    await model?.release();
    await tmp?.remove();
  });

  it('writes a model.json that follows the contract', async () => {
    const meta = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')) as ModelJson;
    expect(meta).toMatchObject({
      name: 'adain-relu3_1',
      family: 'adain',
      styleEncoder: 'style_encoder.onnx',
      stylizer: 'stylizer.onnx',
      codeSize: 512,
      levels: 1,
      sizeMultiple: 4,
      styleSize: 512,
      license: 'MIT',
    });
    expect(meta.source).toMatch(/vgg_normalised_conv3_1\.pth.*feature_invertor_conv3_1\.pth.*relu3_1/);
    expect(model.stylizer.inputNames).toEqual(['image', 'code', 'alpha']);
    expect(model.stylizer.outputNames).toEqual(['stylized']);
  });

  it('matches the PyTorch reference within 1/255 per pixel on real photos, at alpha 1, 0.5 and 0', async () => {
    const jobs = [
      ...PHOTOS.map(([name, w, h]) => [name, w, h, 1] as const),
      [PHOTOS[0][0], PHOTOS[0][1], PHOTOS[0][2], 0.5] as const,
      [PHOTOS[1][0], PHOTOS[1][1], PHOTOS[1][2], 0] as const,
    ];
    const worst = await compareWithReference(tmp.dir, model, 'relu3_1', ENCODER_3, DECODER_3, jobs);
    console.info(`adain relu3_1: largest pixel difference from the PyTorch reference: ${worst}`);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('adain importer on relu4_1 weights (random, in the release layout)', { timeout: HEAVY }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let weights: string;
  let modelDir: string;
  let model: ContractModel;

  beforeAll(async () => {
    tmp = await tempDir('adain4');
    weights = path.join(tmp.dir, 'weights');
    const w = await runPython('test/models/adain_random_weights.py', [weights]);
    expect(w.code, w.stderr).toBe(0);
    modelDir = path.join(tmp.dir, 'model');
    const r = await runPythonModule(IMPORTER, [
      '--encoder',
      path.join(weights, 'vgg_normalised.pth'),
      '--decoder',
      path.join(weights, 'decoder.pth'),
      '--out',
      modelDir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    model = await ContractModel.open(modelDir);
  }, HEAVY);

  afterAll(async () => {
    await model?.release();
    await tmp?.remove();
  });

  it('detects the relu4_1 cut', () => {
    expect(model.meta).toMatchObject({
      name: 'adain-relu4_1',
      family: 'adain',
      codeSize: 1024,
      levels: 1,
      sizeMultiple: 8,
      styleSize: 512,
    });
  });

  it('runs a batch at sizes that are multiples of 8 and matches the reference', async () => {
    const code = await model.encodeStyle(STYLE);
    expect(code).toHaveLength(1024);
    const a = await readRgb(photo(PHOTOS[0][0]), 96, 64);
    const b = await readRgb(photo(PHOTOS[1][0]), 96, 64);
    const out = await model.stylize([a, b], [code, code], [[1], [0.25]]);
    expect(out.map((o) => o.data.length)).toEqual([96 * 64 * 3, 96 * 64 * 3]);
    const worst = await compareWithReference(
      tmp.dir,
      model,
      'relu4_1',
      path.join(weights, 'vgg_normalised.pth'),
      path.join(weights, 'decoder.pth'),
      [[PHOTOS[0][0], 96, 64, 1]],
    );
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('adain importer on bad weights', { timeout: HEAVY }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('adain-bad');
  });
  afterAll(async () => {
    await tmp?.remove();
  });

  async function file(name: string, content: string | Buffer): Promise<string> {
    const p = path.join(tmp.dir, name);
    await mkdir(path.dirname(p), { recursive: true });
    if (typeof content === 'string') await symlink(content, p);
    else await writeFile(p, content);
    return p;
  }

  async function importFails(encoder: string, decoder: string, message: RegExp): Promise<void> {
    const out = path.join(tmp.dir, 'out', path.basename(encoder) + path.basename(decoder));
    const r = await runPythonModule(IMPORTER, ['--encoder', encoder, '--decoder', decoder, '--out', out]);
    await expectImportFailure(r, out, message);
  }

  it('says which file is missing', async () => {
    await importFails(ENCODER_3, path.join(tmp.dir, 'no-decoder.pth'), /no-decoder\.pth: decoder file not found/);
  });

  it('says when a file is truncated', async () => {
    const bytes = await readFile(ENCODER_3);
    const truncated = await file('truncated.pth', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await importFails(truncated, DECODER_3, /truncated\.pth: .*truncated or corrupt/);
  });

  it('says when a file is not PyTorch weights', async () => {
    const text = await file('notes.pth', Buffer.from('these are not weights\n'));
    await importFails(ENCODER_3, text, /notes\.pth: not a PyTorch weights file/);
  });

  it('says when the encoder and decoder do not fit together', async () => {
    await importFails(
      path.join(VGG, 'vgg_normalised_conv2_1.pth'),
      DECODER_3,
      /wrong shapes: the decoder takes 256-channel features but no encoder conv gives 256/,
    );
  });

  it('says when a layer has the wrong shape', async () => {
    await importFails(
      await file('swapped/encoder.pth', DECODER_3),
      DECODER_3,
      /wrong shapes: expected the encoder to start with a 1×1 conv 3→3/,
    );
  });
});
