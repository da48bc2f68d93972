/** Test fixtures made by ffmpeg's lavfi sources, and probes of outputs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { spawnFfmpeg } from '../../src/ffmpeg.js';

export function tempDir(prefix = 'stylecast-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function ffmpeg(args: string[]): Promise<void> {
  await spawnFfmpeg(['-y', ...args], { task: 'making a test fixture' }).done;
}

export interface ClipSpec {
  width?: number;
  height?: number;
  fps?: number | string;
  seconds?: number;
  audio?: boolean;
  /** A video filter applied to the test pattern (testsrc2 itself only makes even sizes). */
  filter?: string;
  /** Extra output arguments (codec, pixel format, metadata). */
  extra?: string[];
}

/** testsrc2 with a sine tone: a moving, colourful picture and a real audio track. */
export async function makeClip(path: string, spec: ClipSpec = {}): Promise<string> {
  const { width = 320, height = 240, fps = 25, seconds = 2, audio = true } = spec;
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : []),
    '-t',
    String(seconds),
    ...(spec.filter ? ['-vf', spec.filter] : []),
    ...(spec.extra ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
    ...(audio ? ['-c:a', 'aac'] : []),
    path,
  ]);
  return path;
}

/** Every frame of a video as raw RGB24 at its own size. */
export async function decodeAll(
  path: string,
  width: number,
  height: number,
): Promise<Uint8Array[]> {
  const chunks: Buffer[] = [];
  const run = spawnFfmpeg(['-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    task: 'reading a test output',
    stdout: true,
  });
  run.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  await run.done;
  const all = Buffer.concat(chunks);
  const size = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset + size <= all.length; offset += size)
    frames.push(all.subarray(offset, offset + size));
  return frames;
}

/** Per-channel mean of packed RGB pixels. */
export function channelMeans(rgb: Uint8Array): [number, number, number] {
  const sums = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sums[i % 3]! += rgb[i]!;
  const n = rgb.length / 3;
  return [sums[0]! / n, sums[1]! / n, sums[2]! / n];
}

/** Mean chroma (BT.601 Cb, Cr) of per-channel RGB means. */
export function chroma([r, g, b]: readonly number[]): [number, number] {
  return [-0.168736 * r! - 0.331264 * g! + 0.5 * b!, 0.5 * r! - 0.418688 * g! - 0.081312 * b!];
}

/** Per-channel mean of an image file. */
export async function imageChannelMeans(path: string): Promise<[number, number, number]> {
  const { data } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return channelMeans(new Uint8Array(data));
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((v, i) => v - b[i]!));
}
