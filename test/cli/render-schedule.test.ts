import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir('stylecast-cli-schedule-');
let clip: string;

beforeAll(async () => {
  clip = await makeClip(path.join(temp.dir, 'clip.mkv'), {
    width: 64,
    height: 48,
    fps: 10,
    seconds: 3,
    audio: false,
    extra: ['-c:v', 'ffv1'],
  });
  await copyFile(PAINTING, path.join(temp.dir, 'p.jpg'));
});

afterAll(() => temp.cleanup());

describe('stylecast render --schedule', () => {
  it('renders styled and unstyled segments, warning about times past the end', async () => {
    const schedule = path.join(temp.dir, 's.yaml');
    await writeFile(
      schedule,
      'transition: 0\nsegments:\n  - { start: 0, end: 1.5, style: p.jpg }\n  - { start: 1.5, end: 4, style: null }\n',
    );
    const output = path.join(temp.dir, 'out.mkv');
    const run = await runCli([
      'render',
      clip,
      '--schedule',
      schedule,
      '-m',
      TINY_MODEL,
      '-d',
      'cpu',
      '--lossless',
      '-o',
      output,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "Warning: segments[1].end: 0:04.000 is beyond the video's end (0:03.000); the segment stops there",
    );
    const source = await decodeAll(clip, 64, 48);
    const out = await decodeAll(output, 64, 48);
    const same = out.map((frame, i) => Buffer.compare(frame, source[i]!) === 0);
    expect(same.indexOf(true)).toBe(15);
    expect(same.slice(15).every(Boolean)).toBe(true);
  });

  it('stops before any work with every problem of a bad schedule', async () => {
    const schedule = path.join(temp.dir, 'bad.json');
    await writeFile(
      schedule,
      JSON.stringify({ segments: [{ start: 2, end: 1, style: 'nope.jpg' }] }),
    );
    const run = await runCli([
      'render',
      clip,
      '--schedule',
      schedule,
      '-m',
      TINY_MODEL,
      '-o',
      path.join(temp.dir, 'x.mkv'),
    ]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      `stylecast: Schedule ${schedule} has 2 problems:`,
      '  segments[0].end: must be after start (start 2 ≥ end 1)',
      `  segments[0].style: ${path.join(temp.dir, 'nope.jpg')} does not exist`,
    ]);
  });

  it('refuses --schedule with --style', async () => {
    const run = await runCli(['render', clip, '--schedule', 'a.json', '--style', 'b.jpg']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "option '--schedule <file>' cannot be used with option '-s, --style",
    );
  });
});

describe('stylecast live --schedule', () => {
  it('stops before starting with every problem of a bad schedule', async () => {
    const schedule = path.join(temp.dir, 'live-bad.json');
    await writeFile(
      schedule,
      JSON.stringify({ loop: 'yes', segments: [{ start: 0, end: 2, style: 'p.jpg', alpha: 2 }] }),
    );
    const run = await runCli(['live', '-i', 'testsrc', '--schedule', schedule, '-m', TINY_MODEL]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      `stylecast: Schedule ${schedule} has 2 problems:`,
      '  loop: must be true or false, got "yes"',
      '  segments[0].alpha: must be a number from 0 to 1, got 2',
    ]);
  });
});

describe('stylecast schedule check', () => {
  it('prints the timeline', async () => {
    const schedule = path.join(temp.dir, 'c.json');
    await writeFile(schedule, JSON.stringify({ segments: [{ start: 0, end: 2, style: 'p.jpg' }] }));
    const run = await runCli(['schedule', 'check', schedule, '--video', clip]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0:00.000 – 0:02.000  segments[0]   p.jpg     alpha 1');
  });
});
