/**
 * No run may destroy what it reads, block on what it reads, or end because its terminal went
 * away. Each case runs the real CLI on real files and checks what is on disk afterwards.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli, startCli } from '../helpers/run-cli.js';
import { PAINTING, PAINTING_2, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
let clip: string;
let style: string;
let photo: string;
const model = ['-m', TINY_MODEL];

const checksum = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  clip = await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 160, height: 120 });
  style = join(temp.dir, 's.jpg');
  copyFileSync(PAINTING, style);
  photo = join(temp.dir, 'p.jpg');
  copyFileSync(PAINTING_2, photo);
});
afterAll(() => temp.cleanup());

/** Runs the CLI, expects exit 1 with one `stylecast:` line matching `pattern`, and no stack. */
async function expectRefused(args: string[], pattern: RegExp): Promise<void> {
  const { code, stderr } = await runCli(args, { cwd: temp.dir });
  const lines = errorLines(stderr).filter(
    (l) => l.startsWith('stylecast:') || l.startsWith('error:'),
  );
  expect({ code, lines }).toMatchObject({ code: 1, lines: [expect.stringMatching(pattern)] });
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('an output is never a file the run reads', () => {
  it('image: -o the style image, or a symlink to it', async () => {
    const before = checksum(style);
    symlinkSync(style, join(temp.dir, 'link.jpg'));
    for (const output of [
      style,
      './s.jpg',
      'link.jpg',
      `../${join(temp.dir).split('/').at(-1)}/s.jpg`,
    ]) {
      await expectRefused(
        ['image', photo, ...model, '--style', 's.jpg', '-o', output],
        /^stylecast: Output would overwrite an input: .* is .*s\.jpg, which this run reads$/,
      );
    }
    expect(checksum(style)).toBe(before);
  });

  it('render: -o a hard link to the input, or the config file', async () => {
    const before = checksum(clip);
    linkSync(clip, join(temp.dir, 'same.mp4'));
    await expectRefused(
      ['render', clip, ...model, '--style', style, '-o', 'same.mp4'],
      /Output would overwrite an input: .*same\.mp4 is .*clip\.mp4/,
    );
    expect(checksum(clip)).toBe(before);
    // A config file named like a video (any name is allowed) is read by the run too.
    writeFileSync(join(temp.dir, 'settings.mkv'), JSON.stringify({ alpha: 0.5 }));
    await expectRefused(
      ['render', clip, ...model, '--config', 'settings.mkv', '-o', 'settings.mkv'],
      /Output would overwrite an input: .*settings\.mkv/,
    );
    expect(JSON.parse(readFileSync(join(temp.dir, 'settings.mkv'), 'utf8'))).toEqual({
      alpha: 0.5,
    });
  });

  it('render: -o an image the schedule names', async () => {
    // PNG bytes under a video's name: a valid schedule image, and a valid output name.
    const image = join(temp.dir, 'frame.mkv');
    await sharp(PAINTING).png().toFile(image);
    writeFileSync(
      join(temp.dir, 'sched.json'),
      JSON.stringify({ segments: [{ start: 0, end: 1, style: 'frame.mkv' }] }),
    );
    const before = checksum(image);
    await expectRefused(
      ['render', clip, ...model, '--schedule', 'sched.json', '-o', 'frame.mkv'],
      /^stylecast: Output would overwrite an input: .*frame\.mkv is .*frame\.mkv, which this run reads$/,
    );
    expect(checksum(image)).toBe(before);
  });

  it('live: --record the input file', async () => {
    const before = checksum(clip);
    await expectRefused(
      [
        'live',
        '--input',
        clip,
        ...model,
        '--style',
        style,
        '--port',
        '0',
        '--record',
        './clip.mp4',
      ],
      /^stylecast: Output would overwrite an input: .*clip\.mp4 is .*clip\.mp4, which this run reads$/,
    );
    expect(checksum(clip)).toBe(before);
    expect(readdirSync(temp.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

describe('a named pipe is refused, never waited on', () => {
  it.each([
    [
      '--config',
      /^stylecast: Could not read config file .*fifo-\w+: it is a named pipe \(FIFO\), not a regular file$/,
    ],
    [
      '--schedule',
      /^stylecast: Cannot read schedule file .*fifo-\w+: it is a named pipe \(FIFO\), not a regular file$/,
    ],
  ])('%s', async (flag, pattern) => {
    const fifo = join(temp.dir, `fifo-${flag.slice(2)}`);
    execFileSync('mkfifo', [fifo]);
    await expectRefused(['render', clip, ...model, flag, fifo, '-o', 'never.mp4'], pattern);
    expect(existsSync(join(temp.dir, 'never.mp4'))).toBe(false);
  });
});

describe('a terminal that goes away does not end the run', () => {
  it('stderr on a full disk (/dev/full): the render completes', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const { code } = await startCli(
        ['render', clip, ...model, '--style', style, '-o', 'full.mp4'],
        { cwd: temp.dir, stdio: ['ignore', 'pipe', full] },
      ).result;
      expect(code).toBe(0);
    } finally {
      closeSync(full);
    }
    expect(existsSync(join(temp.dir, 'full.mp4'))).toBe(true);
  });

  it('stdout closed before --json prints: exit 0, no stack trace', async () => {
    const run = startCli(['render', clip, ...model, '--style', style, '--json', '-o', 'gone.mp4'], {
      cwd: temp.dir,
    });
    run.child.stdout!.destroy();
    const { code, stderr } = await run.result;
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    expect(existsSync(join(temp.dir, 'gone.mp4'))).toBe(true);
  });
});

describe('ffmpeg is handed files as files, and blamed when it is broken', () => {
  it.each(['clip:1.mp4', 'pipe:0.mp4'])('an input named %s renders', async (name) => {
    copyFileSync(clip, join(temp.dir, name));
    const output = `${name.replace(':', '-')}.out.mp4`;
    const { code, stderr } = await runCli(
      ['render', name, ...model, '--style', style, '--quiet', '-o', output],
      { cwd: temp.dir },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(join(temp.dir, output))).toBe(true);
  });

  it('FFMPEG_PATH=/bin/false says ffmpeg did not run, not that the input is no video', async () => {
    const { code, stderr } = await runCli(['render', clip, ...model, '-o', 'nothing.mp4'], {
      cwd: temp.dir,
      env: { FFMPEG_PATH: '/bin/false' },
    });
    expect(code).toBe(1);
    expect(errorLines(stderr)).toEqual([
      `stylecast: ffmpeg (/bin/false) did not run: it said nothing about ${clip} (check FFMPEG_PATH)`,
    ]);
  });
});

describe('valid media is not called damaged', () => {
  it('an audio file with cover art says it has no video stream', async () => {
    const song = join(temp.dir, 'song.m4a');
    await ffmpeg([
      ...['-f', 'lavfi', '-i', 'sine=d=2', '-i', style, '-map', '0', '-map', '1'],
      ...['-c:a', 'aac', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', song],
    ]);
    await expectRefused(
      ['render', 'song.m4a', ...model, '-o', 'song.mp4'],
      /^stylecast: song\.m4a has no video stream, only a still picture \(cover art\)/,
    );
  });
});

describe('live: a bad file in --gallery', () => {
  it('is left out with a warning; the server starts with the rest', async () => {
    const gallery = join(temp.dir, 'gallery');
    mkdirSync(gallery);
    copyFileSync(PAINTING, join(gallery, 'good.jpg'));
    writeFileSync(join(gallery, 'broken.jpg'), 'not a picture');
    const run = startCli(
      ['live', '--input', 'testsrc', ...model, '--gallery', gallery, '--port', '0'],
      { cwd: temp.dir },
    );
    await new Promise<void>((resolve) =>
      run.child.stdout!.on(
        'data',
        (chunk: Buffer) => chunk.toString().includes('http://') && resolve(),
      ),
    );
    run.child.kill('SIGINT');
    const { code, stderr } = await run.result;
    expect(code).toBe(130);
    expect(errorLines(stderr)).toContainEqual(
      expect.stringMatching(
        `^Warning: Style is not an image that can be read: ${join(gallery, 'broken.jpg')} \\(.+\\); left out of the gallery$`,
      ),
    );
  });
});

describe('live: an empty --token', () => {
  it('is refused, not taken as no token', async () => {
    const { code, stderr } = await runCli(['live', '--input', 'testsrc', '--token', ''], {
      cwd: temp.dir,
    });
    expect(code).toBe(1);
    expect(errorLines(stderr)).toEqual([
      "error: option '--token <secret>' argument '' is invalid. Expected `token` to be a non-empty secret, got an empty string",
    ]);
  });
});
