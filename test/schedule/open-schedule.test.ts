import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchedule } from '../../src/schedule/open-schedule.js';
import type { StyleEncoder } from '../../src/schedule/schedule-style.js';
import type { StyleCodes } from '../../src/infer/style-codes.js';

const PAINTING = path.resolve(
  import.meta.dirname,
  '../../../shared/data/paintings/gcompris/gcompris_details_061.jpg',
);

// The runtime's style-code cache is what render and live pass as the encoder.
const fitsTheRuntime: (codes: StyleCodes) => StyleEncoder = (codes) => codes;
void fitsTheRuntime;

let dir: string;
const calls: string[] = [];
const encoder: StyleEncoder = {
  fromFile: async (file) => {
    calls.push(file);
    return new Float32Array([1, 2, 3]);
  },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stylecast-open-schedule-'));
  await copyFile(PAINTING, path.join(dir, 'p.jpg'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openSchedule', () => {
  it('loads, validates against the video and model, and returns the StyleForFrame', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(
      file,
      JSON.stringify({
        segments: [
          { start: 0, end: 2, style: 'p.jpg', alpha: [1, 0.5] },
          { start: 2, end: 6, style: null },
        ],
      }),
    );
    calls.length = 0;
    const opened = await openSchedule(file, { encoder, levels: 2, durationMs: 5000 });
    expect(calls).toEqual([path.join(dir, 'p.jpg')]);
    expect(opened.warnings.map((w) => w.field)).toEqual(['segments[1].end']);
    const frame = { index: 0, ptsMs: 0, width: 1, height: 1, data: new Uint8Array(3) };
    expect([...opened.styleFor(frame)!.alpha]).toEqual([1, 0.5]);
    expect(opened.styleFor({ ...frame, index: 75, ptsMs: 3000 })).toBeNull();
  });

  it('encodes nothing when the schedule is invalid', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ segments: [{ start: 0, end: 2, style: 'p.jpg', alpha: [1] }] }),
    );
    calls.length = 0;
    await expect(openSchedule(file, { encoder, levels: 2 })).rejects.toMatchObject({
      code: 'SCHEDULE_INVALID',
      message: expect.stringContaining(
        'segments[0].alpha: has 1 values but the model has 2 levels',
      ),
    });
    expect(calls).toEqual([]);
  });
});
