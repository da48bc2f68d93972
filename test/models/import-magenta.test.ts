import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContractModel,
  expectImportFailure,
  SHARED,
  pairScores,
  maxAbsDiff,
  meanAbsDiff,
  readRaw,
  readRgb,
  runPython,
  runPythonModule,
  tempDir,
  writePng,
  type ModelJson,
  type RgbImage,
} from './import-helpers.js';

// Python (torch) starts and VGG runs share two cores with model training: be patient, not flaky.
const HEAVY = 600_000;
const IMPORTER = 'models.importers.magenta';
const WEIGHTS = path.join(SHARED, 'weights/magenta-arbitrary-v1-256-int8');
const CONTENT = path.join(SHARED, 'data/eval/e1.content.jpg');
const STYLE = path.join(SHARED, 'data/eval/e1.style.jpg');
const TEACHER = path.join(SHARED, 'data/eval/teacher-scores.json');

describe('magenta importer', { timeout: HEAVY }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let modelDir: string;
  let model: ContractModel;
  let styleCode: Float32Array;

  beforeAll(async () => {
    tmp = await tempDir('magenta');
    modelDir = path.join(tmp.dir, 'models', 'magenta');
    const r = await runPythonModule(IMPORTER, ['--weights', WEIGHTS, '--out', modelDir]);
    expect(r.stderr.trim().split('\n').at(-1) ?? '', 'importer failed').not.toMatch(/^error/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(modelDir);
    model = await ContractModel.open(modelDir);
    styleCode = await model.encodeStyle(STYLE);
  }, HEAVY);

  afterAll(async () => {
    await model?.release();
    await tmp?.remove();
  });

  it('writes a model.json that follows the contract', async () => {
    const meta = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')) as ModelJson;
    expect(meta).toMatchObject({
      name: 'magenta-arbitrary',
      family: 'magenta',
      styleEncoder: 'style_encoder.onnx',
      stylizer: 'stylizer.onnx',
      codeSize: 100,
      levels: 1,
      sizeMultiple: 4,
      styleSize: 256,
    });
    expect(meta.license).toMatch(/Apache-2\.0/);
    expect(meta.source).toMatch(/prediction_int8\.tflite.*transfer_int8\.tflite/);
    expect(model.styleEncoder.inputNames).toEqual(['style']);
    expect(model.styleEncoder.outputNames).toEqual(['code']);
    expect(model.stylizer.inputNames).toEqual(['image', 'code', 'alpha']);
    expect(model.stylizer.outputNames).toEqual(['stylized']);
    expect(styleCode.length).toBe(100);
    expect(styleCode.every(Number.isFinite)).toBe(true);
  });

  it('stylizes a photo at 320×180 and 256×256 toward its style, and at 1280×720 as the teacher did', async () => {
    // One stylemetrics run for all: pair `sW×H` is the stylized frame, `uW×H` the unstyled one.
    const pairs = path.join(tmp.dir, 'pairs');
    await mkdir(pairs);
    const sizes = [
      [320, 180],
      [256, 256],
      [1280, 720],
    ] as const;
    for (const [width, height] of sizes) {
      const content = await readRgb(CONTENT, width, height);
      const [out] = await model.stylize([content], [styleCode], [[1]]);
      const images = [[`s${width}x${height}`, out!]] as Array<[string, RgbImage]>;
      if (width !== 1280) images.push([`u${width}x${height}`, content]);
      for (const [name, image] of images) {
        await writePng(path.join(pairs, `${name}.out.png`), image);
        await symlink(CONTENT, path.join(pairs, `${name}.content.jpg`));
        await symlink(STYLE, path.join(pairs, `${name}.style.jpg`));
      }
    }
    const scores = await pairScores(pairs);
    for (const [width, height] of sizes.slice(0, 2)) {
      const styled = scores[`s${width}x${height}`]!;
      const unstyled = scores[`u${width}x${height}`]!;
      // e1's content is far from its style; the teacher's output at 720p sits near half of it.
      expect(styled.style).toBeLessThan(0.75 * unstyled.style);
    }
    // The published TFLite runtime's figures for e1 at full size (teacher-scores.json): an import
    // that reads the weights right lands close to them (float activations instead of int8 ones
    // account for the rest).
    const teacher = JSON.parse(await readFile(TEACHER, 'utf8')) as {
      pairs: Record<string, { style: number; content: number }>;
    };
    const full = scores['s1280x720']!;
    console.info(`magenta e1 at 1280×720: ${JSON.stringify(full)}, teacher ${JSON.stringify(teacher.pairs['e1'])}`);
    const e1 = teacher.pairs['e1']!;
    expect(Math.abs(full.style - e1.style)).toBeLessThan(0.1 * e1.style);
    expect(Math.abs(full.content - e1.content)).toBeLessThan(0.1 * e1.content);
  });

  it('matches the torch module it was exported from', async () => {
    const content = await readRgb(CONTENT, 160, 96);
    const contentPng = path.join(tmp.dir, 'ref-content.png');
    const stylePng = path.join(tmp.dir, 'ref-style.png');
    const refRaw = path.join(tmp.dir, 'ref-out.raw');
    await writePng(contentPng, content);
    await writePng(stylePng, await readRgb(STYLE, 256, 256));
    const r = await runPython('test/models/magenta_reference.py', [
      WEIGHTS,
      contentPng,
      stylePng,
      '0.7',
      refRaw,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as { code: number[] };
    expect(maxAbsDiff(styleCode, ref.code)).toBeLessThan(1e-3);
    const [out] = await model.stylize([content], [styleCode], [[0.7]]);
    const expected = await readRaw(refRaw, 160, 96);
    const max = maxAbsDiff(out!.data, expected.data);
    const mean = meanAbsDiff(out!.data, expected.data);
    console.info(`magenta: ONNX vs torch module: largest pixel difference ${max}, mean ${mean}`);
    // float32 in two runtimes, rounded to uint8: at most an off-by-one here and there.
    expect(max).toBeLessThanOrEqual(2);
    expect(mean).toBeLessThan(0.05);
  });

  it('stylizes a batch with a code and alpha per frame; alpha 0 stays near the content', async () => {
    const content = await readRgb(CONTENT, 128, 72);
    const [full, none] = await model.stylize(
      [content, content],
      [styleCode, styleCode],
      [[1], [0]],
    );
    const [alone] = await model.stylize([content], [styleCode], [[1]]);
    expect(maxAbsDiff(full!.data, alone!.data)).toBeLessThanOrEqual(1);
    expect(meanAbsDiff(none!.data, content.data)).toBeLessThan(meanAbsDiff(full!.data, content.data));
  });
});

describe('magenta importer on bad weights', { timeout: HEAVY }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('magenta-bad');
  });
  afterAll(async () => {
    await tmp?.remove();
  });

  /** A weights folder with the predictor and transformer given as (source file | bytes). */
  async function weights(name: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = path.join(tmp.dir, name);
    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      if (typeof content === 'string') await symlink(content, path.join(dir, file));
      else await writeFile(path.join(dir, file), content);
    }
    return dir;
  }

  async function importFails(dir: string, message: RegExp): Promise<void> {
    const out = path.join(tmp.dir, 'out', path.basename(dir));
    const r = await runPythonModule(IMPORTER, ['--weights', dir, '--out', out]);
    await expectImportFailure(r, out, message);
  }

  const predictor = path.join(WEIGHTS, 'prediction_int8.tflite');
  const transformer = path.join(WEIGHTS, 'transfer_int8.tflite');

  it('says when the weights folder is missing', async () => {
    await importFails(path.join(tmp.dir, 'nowhere'), /weights folder not found/);
  });

  it('says which file is missing', async () => {
    await importFails(
      await weights('missing', { 'prediction_int8.tflite': predictor }),
      /transfer_int8\.tflite: transformer file not found/,
    );
  });

  it('says when a file is truncated', async () => {
    const bytes = await readFile(transformer);
    await importFails(
      await weights('truncated', {
        'prediction_int8.tflite': predictor,
        'transfer_int8.tflite': bytes.subarray(0, Math.floor(bytes.length / 2)),
      }),
      /transfer_int8\.tflite: .*truncated/,
    );
  });

  it('says when a file is not a TFLite model', async () => {
    await importFails(
      await weights('format', {
        'prediction_int8.tflite': Buffer.from('PK\u0003\u0004 this is a zip, not a flatbuffer'),
        'transfer_int8.tflite': transformer,
      }),
      /prediction_int8\.tflite: not a TFLite model/,
    );
  });

  it('says when a file has the wrong shapes', async () => {
    await importFails(
      await weights('shapes', {
        'prediction_int8.tflite': transformer,
        'transfer_int8.tflite': transformer,
      }),
      /expected a style predictor/,
    );
  });

});
