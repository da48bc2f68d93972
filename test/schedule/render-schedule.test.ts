/**
 * End to end: a generated clip rendered with a 3-segment schedule (styled, blended, unstyled)
 * through the real pipeline and the tiny fixture model, to lossless FFV1. Unstyled frames must be
 * pixel-identical to the decoded source; styled frames must differ from it and match renders with
 * each segment's style alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/decode/decode-frames.js';
import { probeMedia } from '../../src/decode/probe.js';
import { spawnFfmpeg } from '../../src/ffmpeg.js';
import { blendCodes, type StyleCodes } from '../../src/infer/style-codes.js';
import { renderVideo } from '../../src/render/render-video.js';
import { openSchedule } from '../../src/schedule/open-schedule.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import type { StyleForFrame, StyleSettings } from '../../src/types.js';
import { openTinyPool } from '../helpers/tiny-model.js';
const WIDTH = 64;
const HEIGHT = 48;
const FPS = 10;

let dir: string;
let source: string;
let stylizer: Stylizer;
let codes: StyleCodes;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stylecast-schedule-e2e-'));
  source = path.join(dir, 'source.mkv');
  await spawnFfmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=3`,
      '-c:v',
      'ffv1',
      source,
    ],
    { task: 'generating a test clip' },
  ).done;
  // Two style images far apart in colour, so their codes differ.
  const noise = (seed: number) =>
    Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * seed * 37 + seed * 11) % 256));
  await sharp(noise(3), { raw: { width: 32, height: 32, channels: 3 } })
    .png()
    .toFile(path.join(dir, 'red.png'));
  await sharp({ create: { width: 32, height: 32, channels: 3, background: '#20e040' } })
    .png()
    .toFile(path.join(dir, 'green.png'));
  ({ stylizer, styles: codes } = await openTinyPool({ workers: 1 }));
});

afterAll(async () => {
  await stylizer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every frame as the pipeline's decoder delivers it from a file (each slot's frame by its time). */
async function decodeAll(file: string, fps = FPS): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of decodeFrames({
    inputArgs: ['-i', file],
    exactFrames: true,
    width: WIDTH,
    height: HEIGHT,
    fps,
    label: file,
  })) {
    frames.push(frame.data);
  }
  return frames;
}

async function render(
  name: string,
  styleFor: StyleForFrame,
  input = source,
  fps = FPS,
): Promise<Uint8Array[]> {
  const output = path.join(dir, name);
  await renderVideo(stylizer, { input, output, lossless: true, styleFor });
  return decodeAll(output, fps);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('render with a schedule', () => {
  it('leaves unstyled frames pixel-identical and gives styled frames their segment’s style', async () => {
    const scheduleFile = path.join(dir, 'schedule.json');
    await writeFile(
      scheduleFile,
      JSON.stringify({
        transition: 0.2,
        segments: [
          { start: 0, end: 1, style: 'red.png' },
          {
            start: 1,
            end: 2,
            style: [
              { image: 'red.png', weight: 0.3 },
              { image: 'green.png', weight: 0.7 },
            ],
            alpha: 0.8,
          },
          { start: 2, end: 3, style: null },
        ],
      }),
    );
    const { styleFor, warnings } = await openSchedule(scheduleFile, {
      encoder: codes,
      levels: stylizer.model.card.levels,
      durationMs: 3000,
    });
    expect(warnings).toEqual([]);
    expect(codes.size).toBe(2);

    const sourceFrames = await decodeAll(source);
    expect(sourceFrames).toHaveLength(30);
    const scheduled = await render('scheduled.mkv', styleFor);
    expect(scheduled).toHaveLength(30);

    // Single-style renders of each styled segment's settings, for comparison.
    const red = await codes.fromFile(path.join(dir, 'red.png'));
    const green = await codes.fromFile(path.join(dir, 'green.png'));
    const constant =
      (settings: StyleSettings): StyleForFrame =>
      () =>
        settings;
    const levels = stylizer.model.card.levels;
    const redOnly = await render(
      'red.mkv',
      constant({ code: red, alpha: new Float32Array(levels).fill(1), preserveColor: false }),
    );
    const blendOnly = await render(
      'blend.mkv',
      constant({
        code: blendCodes([
          { code: red, weight: 0.3 },
          { code: green, weight: 0.7 },
        ]),
        alpha: new Float32Array(levels).fill(0.8),
        preserveColor: false,
      }),
    );
    expect(codes.size).toBe(2); // still each image encoded once

    // Frames at i * 100 ms. Windows: 0.9–1.1 s (blend), 1.9–2.1 s (fade out); frame 21 (2.1 s)
    // is the first with alpha 0, so the first unstyled one.
    for (let i = 0; i < 30; i++) {
      const frame = scheduled[i]!;
      if (i >= 21) {
        expect(Buffer.compare(frame, sourceFrames[i]!), `frame ${i} is the source's`).toBe(0);
        continue;
      }
      expect(meanAbsDiff(frame, sourceFrames[i]!), `frame ${i} is styled`).toBeGreaterThan(10);
      if (i <= 9) expect(meanAbsDiff(frame, redOnly[i]!), `frame ${i} is red`).toBeLessThan(0.5);
      if (i >= 11 && i <= 19) {
        expect(meanAbsDiff(frame, blendOnly[i]!), `frame ${i} is the blend`).toBeLessThan(0.5);
        expect(meanAbsDiff(frame, redOnly[i]!), `frame ${i} is not red`).toBeGreaterThan(10);
      }
    }
    // Mid-transition frames are between the two styles.
    const middle = scheduled[10]!;
    expect(meanAbsDiff(middle, redOnly[10]!)).toBeGreaterThan(10);
    expect(meanAbsDiff(middle, blendOnly[10]!)).toBeGreaterThan(10);
  });

  // A cut at 1 s: the first unstyled frame is the first whose time is at or after 1 s.
  const rates: [string, number, number][] = [
    ['24', 24, 24], // 1 s is frame 24 exactly
    ['25', 25, 25],
    ['30000/1001', 29.97, 30], // frame 29 is at 967.6 ms, frame 30 at 1001 ms
  ];
  /** Renders `clip` with a cut to unstyled at 1 s; returns which output frames are the source's. */
  async function unstyledAfterCut(clip: string, fps: number): Promise<boolean[]> {
    const file = path.join(dir, `cut-${path.basename(clip)}.json`);
    await writeFile(
      file,
      JSON.stringify({
        transition: 0,
        segments: [
          { start: 0, end: 1, style: 'green.png' },
          { start: 1, end: 3, style: null },
        ],
      }),
    );
    const { styleFor } = await openSchedule(file, {
      encoder: codes,
      levels: stylizer.model.card.levels,
    });
    const sourceFrames = await decodeAll(clip, fps);
    const out = await render(`cut-${path.basename(clip)}`, styleFor, clip, fps);
    expect(out).toHaveLength(sourceFrames.length);
    return out.map((frame, i) => Buffer.compare(frame, sourceFrames[i]!) === 0);
  }

  for (const [rate, fps, firstUnstyled] of rates) {
    it(`switches on the right frame at ${rate} fps`, async () => {
      const clip = path.join(dir, `clip-${fps}.mkv`);
      await spawnFfmpeg(
        [
          '-f',
          'lavfi',
          '-i',
          `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${rate}:duration=2`,
          '-c:v',
          'ffv1',
          clip,
        ],
        { task: 'generating a test clip' },
      ).done;
      const unstyled = await unstyledAfterCut(clip, fps);
      expect(unstyled.indexOf(true)).toBe(firstUnstyled);
      expect(unstyled.slice(0, firstUnstyled).every((same) => !same)).toBe(true);
      expect(unstyled.slice(firstUnstyled).every((same) => same)).toBe(true);
    });
  }

  it('switches on the right frame of a variable-frame-rate clip (rendered at its average rate)', async () => {
    // 20 fps, except 0.45–2 s where only every third frame is kept: frames at 0.6, 0.75, … 1.95.
    const clip = path.join(dir, 'clip-vfr.mkv');
    await spawnFfmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${WIDTH}x${HEIGHT}:rate=20:duration=3`,
        '-vf',
        "select='lt(n,10)+gte(n,40)+not(mod(n,3))'",
        '-vsync',
        'vfr',
        '-c:v',
        'ffv1',
        clip,
      ],
      { task: 'generating a variable-rate clip' },
    ).done;
    const info = await probeMedia(clip);
    // The pipeline renders at the probed rate; the cut is at the first frame at or after 1 s.
    const unstyled = await unstyledAfterCut(clip, info.fps);
    const first = Math.ceil(info.fps - 1e-9);
    expect(unstyled.indexOf(true)).toBe(first);
    expect(unstyled.slice(0, first).every((same) => !same)).toBe(true);
    expect(unstyled.slice(first).every((same) => same)).toBe(true);
  });

  it('moves monotonically from one style to the next across a transition', async () => {
    // A still picture, so only the style changes from frame to frame.
    const still = path.join(dir, 'still.mkv');
    await spawnFfmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `smptebars=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=3`,
        '-c:v',
        'ffv1',
        still,
      ],
      { task: 'generating a still clip' },
    ).done;
    const file = path.join(dir, 'crossfade.json');
    await writeFile(
      file,
      JSON.stringify({
        transition: 1.4,
        segments: [
          { start: 0, end: 1.5, style: 'red.png' },
          { start: 1.5, end: 4, style: 'green.png', alpha: 0.6 },
        ],
      }),
    );
    const levels = stylizer.model.card.levels;
    const { styleFor } = await openSchedule(file, { encoder: codes, levels });
    const out = await render('crossfade.mkv', styleFor, still);
    const settings = async (image: string, alpha: number): Promise<StyleSettings> => ({
      code: await codes.fromFile(path.join(dir, image)),
      alpha: new Float32Array(levels).fill(alpha),
      preserveColor: false,
    });
    const redSettings = await settings('red.png', 1);
    const greenSettings = await settings('green.png', 0.6);
    const redOnly = await render('still-red.mkv', () => redSettings, still);
    const greenOnly = await render('still-green.mkv', () => greenSettings, still);
    // The window is 0.8–2.2 s: frame 8 is red alone, frames 9 to 21 blend, frame 22 is green.
    const toRed = out.map((frame, i) => meanAbsDiff(frame, redOnly[i]!));
    const toGreen = out.map((frame, i) => meanAbsDiff(frame, greenOnly[i]!));
    expect(toRed[8]).toBe(0);
    expect(toGreen[22]).toBeLessThan(0.5);
    expect(toRed[22]).toBeGreaterThan(10);
    for (let i = 9; i <= 22; i++) {
      expect(toRed[i]!, `frame ${i} moves away from red`).toBeGreaterThan(toRed[i - 1]!);
      expect(toGreen[i]!, `frame ${i} moves towards green`).toBeLessThan(toGreen[i - 1]!);
    }
  });
});
