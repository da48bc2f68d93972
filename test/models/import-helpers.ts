/**
 * Shared by the importer tests: run the Python importers and helper scripts, read photos as raw
 * RGB, and run a contract model folder with real ONNX Runtime.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { ModelCard } from '../../src/infer/model-card.js';

const execFileAsync = promisify(execFile);

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(REPO, '../shared');
export const PYTHON = '/usr/bin/python3';
export const STYLEMETRICS = path.join(SHARED, 'tools/stylemetrics.py');

export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Python script at low priority (training shares the CPU) from the repository root, where
 * the `models` package imports (`PYTHONPATH` for scripts, as `-m` gives a module); never throws on
 * exit status.
 */
export async function runPython(script: string, args: string[]): Promise<PythonResult> {
  return runPythonArgs([script, ...args]);
}

/** Runs a module of the repository's `models` package (`python3 -m models.importers.adain`), as runPython. */
export async function runPythonModule(module: string, args: string[]): Promise<PythonResult> {
  return runPythonArgs(['-m', module, ...args]);
}

async function runPythonArgs(args: string[]): Promise<PythonResult> {
  try {
    const { stdout, stderr } = await execFileAsync('nice', ['-n', '10', PYTHON, ...args], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, OMP_NUM_THREADS: '2', PYTHONWARNINGS: 'ignore', PYTHONPATH: REPO },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** An importer that refused its input as promised: exit 1, one `error: …` line, nothing written. */
export async function expectImportFailure(
  result: PythonResult,
  out: string,
  message: RegExp,
): Promise<void> {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  await expect(stat(out)).rejects.toThrow();
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `stylecast-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array; // packed RGB, HWC
}

/** An image file as packed RGB, resized (stretched) to width × height. */
export async function readRgb(file: string, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(file)
    .removeAlpha()
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data) };
}

export async function writePng(file: string, image: RgbImage): Promise<void> {
  await sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toFile(file);
}

export async function readRaw(file: string, width: number, height: number): Promise<RgbImage> {
  return { width, height, data: new Uint8Array(await readFile(file)) };
}

/** What a contract model's `model.json` holds: the runtime's own type. */
export type ModelJson = ModelCard;

/** A contract model folder opened with ONNX Runtime's CPU provider. */
export class ContractModel {
  private constructor(
    readonly meta: ModelJson,
    readonly styleEncoder: ort.InferenceSession,
    readonly stylizer: ort.InferenceSession,
  ) {}

  static async open(dir: string): Promise<ContractModel> {
    const meta = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
    const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2 };
    const [enc, sty] = await Promise.all([
      ort.InferenceSession.create(path.join(dir, meta.styleEncoder), options),
      ort.InferenceSession.create(path.join(dir, meta.stylizer), options),
    ]);
    return new ContractModel(meta, enc, sty);
  }

  /** The style code of an image file, resized to styleSize as the runtime does. */
  async encodeStyle(file: string): Promise<Float32Array> {
    const side = this.meta.styleSize;
    const style = await readRgb(file, side, side);
    const out = await this.styleEncoder.run({
      style: new ort.Tensor('uint8', style.data, [1, side, side, 3]),
    });
    const code = out['code'];
    if (!code) throw new Error('style_encoder.onnx returned no `code`');
    return code.data as Float32Array;
  }

  /** Stylizes a batch of equally sized frames with one code and alpha per frame. */
  async stylize(frames: RgbImage[], codes: Float32Array[], alphas: number[][]): Promise<RgbImage[]> {
    const first = frames[0];
    if (!first) throw new Error('no frames');
    const { width, height } = first;
    const n = frames.length;
    const k = this.meta.codeSize;
    const l = this.meta.levels;
    const image = new Uint8Array(n * width * height * 3);
    const code = new Float32Array(n * k);
    const alpha = new Float32Array(n * l);
    frames.forEach((f, i) => image.set(f.data, i * width * height * 3));
    codes.forEach((c, i) => code.set(c, i * k));
    alphas.forEach((a, i) => alpha.set(a, i * l));
    const out = await this.stylizer.run({
      image: new ort.Tensor('uint8', image, [n, height, width, 3]),
      code: new ort.Tensor('float32', code, [n, k]),
      alpha: new ort.Tensor('float32', alpha, [n, l]),
    });
    const stylized = out['stylized'];
    if (!stylized) throw new Error('stylizer.onnx returned no `stylized`');
    if (stylized.type !== 'uint8') throw new Error(`stylized is ${stylized.type}, expected uint8`);
    const dims = stylized.dims;
    if (dims.join() !== [n, height, width, 3].join()) {
      throw new Error(`stylized has shape [${dims.join()}], expected [${[n, height, width, 3].join()}]`);
    }
    const data = stylized.data as Uint8Array;
    const size = width * height * 3;
    return frames.map((_, i) => ({ width, height, data: data.slice(i * size, (i + 1) * size) }));
  }

  async release(): Promise<void> {
    await Promise.all([this.styleEncoder.release(), this.stylizer.release()]);
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

export interface Scores {
  style: number;
  content: number;
}

/**
 * stylemetrics.py's figures for every DIR/<name>.out.png against <name>.content.* and
 * <name>.style.*, by name (one Python start for all of them).
 */
export async function pairScores(dir: string): Promise<Record<string, Scores>> {
  const r = await runPython(STYLEMETRICS, ['pairs', dir]);
  if (r.code !== 0) throw new Error(`stylemetrics failed (${r.code}): ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { pairs: Record<string, Scores> }).pairs;
}
