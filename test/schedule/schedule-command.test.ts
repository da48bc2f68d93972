import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchedule, registerScheduleCommand } from '../../src/cli/schedule-command.js';
import { spawnFfmpeg } from '../../src/ffmpeg.js';

const PAINTINGS = path.resolve(import.meta.dirname, '../../../shared/data/paintings/gcompris');

let dir: string;
let video: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stylecast-schedule-check-'));
  await copyFile(path.join(PAINTINGS, 'gcompris_details_030.jpg'), path.join(dir, 'wave.jpg'));
  await copyFile(path.join(PAINTINGS, 'gcompris_details_044.jpg'), path.join(dir, 'a.jpg'));
  await copyFile(path.join(PAINTINGS, 'gcompris_details_051.jpg'), path.join(dir, 'b.jpg'));
  video = path.join(dir, 'clip.mkv');
  await spawnFfmpeg(
    ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=10', '-c:v', 'ffv1', video],
    { task: 'generating a test clip' },
  ).done;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXAMPLE = {
  transition: 0.5,
  segments: [
    { start: '0:00', end: '0:04.5', style: 'wave.jpg', name: 'storm' },
    {
      start: 4.5,
      end: 9,
      style: [
        { image: 'a.jpg', weight: 0.7 },
        { image: 'b.jpg', weight: 0.3 },
      ],
      alpha: 0.8,
      preserveColor: true,
    },
    { start: 9, end: 12, style: null, transition: 1 },
  ],
};

async function writeSchedule(name: string, document: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(document));
  return file;
}

describe('checkSchedule', () => {
  it('prints the resolved timeline: segments, styles and weights, alpha, transitions', async () => {
    const file = await writeSchedule('example.json', EXAMPLE);
    expect(await checkSchedule(file)).toBe(
      [
        `Schedule ${file}: 3 segments, transition 0.5 s, no loop`,
        '',
        'Timeline',
        '  0:00.000 – 0:04.500  segments[0] "storm"  wave.jpg                 alpha 1',
        '  0:04.500 – 0:09.000  segments[1]          a.jpg ×0.7 + b.jpg ×0.3  alpha 0.8, preserveColor',
        '  0:09.000 – 0:12.000  segments[2]          unstyled                 transition 1 s',
        '  0:12.000 – end       (no segment)         unstyled',
        '',
        'Transitions',
        '  0:04.250 – 0:04.750  fade through  segments[0] → segments[1]',
        '  0:08.500 – 0:09.500  fade out      segments[1] → segments[2]',
      ].join('\n'),
    );
  });

  it('reports times beyond the video’s end', async () => {
    const file = await writeSchedule('example-video.json', EXAMPLE);
    const text = await checkSchedule(file, { video: { path: 'clip.mkv', durationMs: 10_000 } });
    expect(text).toContain('Video clip.mkv: 0:10.000');
    expect(text).toContain('  0:09.000 – 0:12.000  segments[2]');
    expect(text.split('\n').slice(-2)).toEqual([
      'Warnings',
      "  segments[2].end: 0:12.000 is beyond the video's end (0:10.000); the segment stops there",
    ]);
  });

  it('shows gaps, the loop period and the wrap transition', async () => {
    const file = await writeSchedule('loop.json', {
      loop: true,
      transition: 1,
      segments: [
        { start: 1, end: 3, style: 'a.jpg' },
        { start: 4, end: 6, style: 'b.jpg', alpha: [1, 0.5] },
      ],
    });
    expect(await checkSchedule(file)).toBe(
      [
        `Schedule ${file}: 2 segments, transition 1 s, loops every 6 s`,
        '',
        'Timeline',
        '  0:00.000 – 0:01.000  (no segment)  unstyled',
        '  0:01.000 – 0:03.000  segments[0]   a.jpg     alpha 1',
        '  0:03.000 – 0:04.000  (no segment)  unstyled',
        '  0:04.000 – 0:06.000  segments[1]   b.jpg     alpha [1, 0.5]',
        '',
        'Transitions',
        '  0:00.500 – 0:01.500  fade in   (no segment) → segments[0]',
        '  0:02.500 – 0:03.500  fade out  segments[0] → (no segment)',
        '  0:03.500 – 0:04.500  fade in   (no segment) → segments[1]',
        '  0:05.500 – 0:06.500  fade out  segments[1] → (no segment) (loop, from the second pass)',
      ].join('\n'),
    );
  });

  it('says when every boundary is a cut', async () => {
    const file = await writeSchedule('cuts.json', {
      transition: 0,
      segments: [{ start: 0, end: 1, style: 'a.jpg' }],
    });
    expect(await checkSchedule(file)).toContain('Transitions\n  none: every boundary is a cut');
  });

  it('throws SCHEDULE_INVALID listing every problem', async () => {
    const file = await writeSchedule('bad.json', {
      segments: [
        { start: 0, end: 5, style: 'missing.jpg' },
        { start: 4, end: 3, style: 'a.jpg' },
      ],
    });
    await expect(checkSchedule(file)).rejects.toMatchObject({
      code: 'SCHEDULE_INVALID',
      message: expect.stringContaining('segments[1].end: must be after start (start 4 ≥ end 3)'),
    });
  });
});

describe('registerScheduleCommand', () => {
  function program(): { program: Command; output: string[] } {
    const output: string[] = [];
    const root = new Command('stylecast').exitOverride();
    registerScheduleCommand(root, { write: (text) => output.push(text) });
    return { program: root, output };
  }

  it('runs `schedule check <file> --video` with the video’s probed duration', async () => {
    const file = await writeSchedule('cli.json', EXAMPLE);
    const { program: root, output } = program();
    await root.parseAsync(['schedule', 'check', file, '--video', video], { from: 'user' });
    const text = output.join('');
    expect(text).toContain(`Video ${video}: 0:10.000`);
    expect(text).toContain("segments[2].end: 0:12.000 is beyond the video's end (0:10.000)");
    expect(text.endsWith('\n')).toBe(true);
  });

  it('warns about a segment that starts after the video, and exits normally', async () => {
    const file = await writeSchedule('cli-late.json', {
      segments: [{ start: 11, end: 12, style: 'a.jpg' }],
    });
    const { program: root, output } = program();
    await root.parseAsync(['schedule', 'check', file, '--video', video], { from: 'user' });
    expect(output.join('')).toContain(
      "segments[0].start: 0:11.000 is at or beyond the video's end (0:10.000); the segment never shows",
    );
  });

  it('fails with every problem when the schedule is invalid', async () => {
    const file = await writeSchedule('cli-bad.json', {
      segments: [{ start: 3, end: 1, style: 'nope.jpg' }],
    });
    const { program: root, output } = program();
    await expect(
      root.parseAsync(['schedule', 'check', file], { from: 'user' }),
    ).rejects.toMatchObject({
      code: 'SCHEDULE_INVALID',
      message: expect.stringMatching(
        /has 2 problems:\n {2}segments\[0\]\.end: .*\n {2}segments\[0\]\.style: .*nope\.jpg does not exist$/,
      ),
    });
    expect(output).toEqual([]);
  });
});
