import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/errors.js';
import { checkScheduleImages } from '../../src/schedule/check-schedule-images.js';
import { loadSchedule } from '../../src/schedule/load-schedule.js';

const PAINTING = path.resolve(
  import.meta.dirname,
  '../../../shared/data/paintings/gcompris/gcompris_details_030.jpg',
);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stylecast-schedule-'));
  await mkdir(path.join(dir, 'styles'));
  await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3060c0' } })
    .png()
    .toFile(path.join(dir, 'styles/blue.png'));
  await copyFile(PAINTING, path.join(dir, 'styles/painting.jpg'));
  await writeFile(path.join(dir, 'styles/notes.jpg'), 'these are not pixels\n');
  const jpeg = await readFile(PAINTING);
  await writeFile(path.join(dir, 'styles/truncated.jpg'), jpeg.subarray(0, jpeg.length / 3));
  await mkdir(path.join(dir, 'styles/folder.png'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, document: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document));
  return file;
}

async function loadError(file: string, options = {}): Promise<StylecastError> {
  const error: unknown = await loadSchedule(file, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StylecastError);
  expect((error as StylecastError).code).toBe('SCHEDULE_INVALID');
  return error as StylecastError;
}

describe('loadSchedule', () => {
  it('loads a valid JSON schedule with real images, resolved against its folder', async () => {
    const file = await write('ok.json', {
      segments: [
        { start: 0, end: 2, style: 'styles/blue.png' },
        {
          start: 2,
          end: 4,
          style: [{ image: 'styles/painting.jpg', weight: 2 }, 'styles/blue.png'],
        },
        { start: 4, end: 5, style: null },
      ],
    });
    const { schedule, warnings } = await loadSchedule(file);
    expect(warnings).toEqual([]);
    expect(schedule.images).toEqual([
      path.join(dir, 'styles/blue.png'),
      path.join(dir, 'styles/painting.jpg'),
    ]);
  });

  it('loads YAML', async () => {
    const file = await write(
      'ok.yaml',
      'segments:\n  - { start: "0:00", end: "0:02.5", style: styles/painting.jpg }\n',
    );
    const { schedule } = await loadSchedule(file);
    expect(schedule.segments[0]!.endMs).toBe(2500);
  });

  it('returns the warnings about times past the video', async () => {
    const file = await write('long.json', { segments: [{ start: 0, end: 9, style: null }] });
    const { warnings } = await loadSchedule(file, { durationMs: 5000 });
    expect(warnings.map((w) => w.field)).toEqual(['segments[0].end']);
  });

  it('fails readably when the schedule file does not exist', async () => {
    const error = await loadError(path.join(dir, 'nope.json'));
    expect(error.message).toBe(`Schedule file ${path.join(dir, 'nope.json')} does not exist`);
  });

  it('rejects a missing image, a text file, a truncated JPEG and a folder, at the fields that name them', async () => {
    const file = await write('bad-images.json', {
      segments: [
        { start: 0, end: 1, style: 'styles/missing.png' },
        { start: 1, end: 2, style: ['styles/blue.png', { image: 'styles/notes.jpg', weight: 1 }] },
        { start: 2, end: 3, style: 'styles/truncated.jpg' },
        { start: 3, end: 4, style: 'styles/folder.png' },
        { start: 4, end: 5, style: 'styles/notes.jpg' },
      ],
    });
    const lines = (await loadError(file)).message.split('\n');
    expect(lines[0]).toBe(`Schedule ${file} has 5 problems:`);
    expect(lines.slice(1)).toEqual([
      `  segments[0].style: ${path.join(dir, 'styles/missing.png')} does not exist`,
      expect.stringMatching(
        /^ {2}segments\[1\]\.style\[1\]\.image: Style is not an image that can be read: .*styles\/notes\.jpg \(.+\)$/,
      ),
      expect.stringMatching(
        /^ {2}segments\[2\]\.style: Style is not an image that can be read: .*styles\/truncated\.jpg \(.+\)$/,
      ),
      `  segments[3].style: ${path.join(dir, 'styles/folder.png')} is not a file`,
      expect.stringMatching(/^ {2}segments\[4\]\.style: Style is not an image .*notes\.jpg/),
    ]);
  });

  it('reports image problems together with every other problem', async () => {
    const file = await write('many.json', {
      segments: [
        { start: 0, end: 3, style: 'styles/missing.png' },
        { start: 2, end: 1, style: 'styles/blue.png', alpha: 3 },
      ],
    });
    const error = await loadError(file, { durationMs: 10_000 });
    expect(error.message.split('\n')).toEqual([
      `Schedule ${file} has 3 problems:`,
      '  segments[1].end: must be after start (start 2 ≥ end 1)',
      '  segments[1].alpha: must be a number from 0 to 1, got 3',
      `  segments[0].style: ${path.join(dir, 'styles/missing.png')} does not exist`,
    ]);
  });

  it('says "1 problem" for one', async () => {
    const file = await write('one.json', { segments: [] });
    expect((await loadError(file)).message).toBe(
      `Schedule ${file} has 1 problem:\n  segments: must have at least one segment`,
    );
  });
});

describe('checkScheduleImages', () => {
  it('opens each distinct image once and reports at every field naming a bad one', async () => {
    const missing = path.join(dir, 'styles/missing.png');
    const problems = await checkScheduleImages([
      { path: path.join(dir, 'styles/blue.png'), field: 'segments[0].style' },
      { path: missing, field: 'segments[1].style' },
      { path: missing, field: 'segments[2].style[0].image' },
    ]);
    expect(problems).toEqual([
      { field: 'segments[1].style', message: `${missing} does not exist` },
      { field: 'segments[2].style[0].image', message: `${missing} does not exist` },
    ]);
  });

  it('accepts the shared paintings', async () => {
    expect(await checkScheduleImages([{ path: PAINTING, field: 'segments[0].style' }])).toEqual([]);
  });
});
