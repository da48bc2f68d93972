/**
 * Inputs a careless or unlucky user gives, each through the real CLI on real files: one readable
 * line and a non-zero exit where the input cannot work, the run done where it can, and on disk
 * exactly what should be there afterwards.
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli, startCli, type CliResult } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir('stylecast-rough-edges-');
const MODEL = ['-m', TINY_MODEL, '-d', 'cpu', '--workers', '1'];
let clip: string;

beforeAll(async () => {
  clip = await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 64, height: 48 });
});
afterAll(() => temp.cleanup());

/** A fresh folder for one case: what is in it afterwards is the case's alone. */
function folder(name: string): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir);
  return dir;
}

const render = (args: string[], cwd?: string): Promise<CliResult> =>
  runCli(['render', ...args, '--style', PAINTING, ...MODEL], { cwd });

/** Expects exit 1 and exactly one line, matching `line`, with no stack and no raw bytes. */
function expectOneLine(run: CliResult, line: RegExp): void {
  expect(run.code).toBe(1);
  expect(errorLines(run.stderr)).toEqual([expect.stringMatching(line)]);
  expect(run.stderr).not.toContain('\0');
}

describe('config and schedule files', () => {
  it('a config file saved with a byte-order mark is read', async () => {
    const dir = folder('bom-config');
    writeFileSync(join(dir, 'stylecast.config.json'), '\uFEFF{ "preset": "ultrafast" }\n');
    const run = await render([clip, '-o', 'out.mp4', '-q'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['out.mp4', 'stylecast.config.json']);
  });

  it('a config file that is a video is refused in one line, its bytes never printed', async () => {
    const dir = folder('video-config');
    const run = await render([clip, '--config', clip, '-o', join(dir, 'out.mp4')]);
    expectOneLine(
      run,
      /^stylecast: Could not read config file .*clip\.mp4: it is not a text file \(a zero byte at offset \d+\)$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a schedule that is a video is refused in one line; one with a byte-order mark is read', async () => {
    const dir = folder('video-schedule');
    const run = await runCli([
      'render',
      clip,
      '--schedule',
      clip,
      ...MODEL,
      '-o',
      join(dir, 'out.mp4'),
    ]);
    expectOneLine(
      run,
      /^stylecast: Cannot read schedule file .*clip\.mp4: it is not a text file \(a zero byte at offset \d+\)$/,
    );
    expect(readdirSync(dir)).toEqual([]);
    const schedule = join(dir, 'bom.yaml');
    writeFileSync(schedule, `\uFEFFsegments:\n  - { start: 0, end: 1, style: ${PAINTING} }\n`);
    const check = await runCli(['schedule', 'check', schedule]);
    expect(check.code, check.stderr).toBe(0);
  });

  it('10,000 segments past a 1 s video: five warnings and one line counting the rest', async () => {
    const dir = folder('many-warnings');
    const segments = Array.from({ length: 10_000 }, (_, i) => ({
      start: i,
      end: i + 1,
      style: null,
    }));
    const schedule = join(dir, 'schedule.json');
    writeFileSync(schedule, JSON.stringify({ segments }));
    const run = await runCli([
      'render',
      clip,
      '--schedule',
      schedule,
      ...MODEL,
      '-o',
      join(dir, 'out.mp4'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const warnings = errorLines(run.stderr).filter((line) => line.startsWith('Warning:'));
    expect(warnings).toHaveLength(6);
    expect(warnings.at(-1)).toBe(
      'Warning: and 9994 more like these (`stylecast schedule check` lists every one)',
    );
    expect(readdirSync(dir).sort()).toEqual(['out.mp4', 'schedule.json']);
  });
});

describe('inputs with nothing to stylize', () => {
  it('an audio-only file says it has no video stream', async () => {
    const audio = join(temp.dir, 'tone.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', audio]);
    const dir = folder('audio-only');
    const run = await render([audio, '-o', join(dir, 'out.mp4')]);
    expectOneLine(
      run,
      /^stylecast: .*tone\.m4a has no video stream \(only audio\): nothing to stylize$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an MP4 of zero frames says it has no frames', async () => {
    const empty = join(temp.dir, 'empty.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '0', empty]);
    const dir = folder('zero-frames');
    const run = await render([empty, '-o', join(dir, 'out.mp4')]);
    expectOneLine(run, /^stylecast: .*empty\.mp4 has no frames: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an SVG style is refused in one line, as a schedule image too', async () => {
    const svg = join(temp.dir, 'style.svg');
    writeFileSync(
      svg,
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>',
    );
    const dir = folder('svg');
    const run = await runCli(['render', clip, '--style', svg, ...MODEL, '-o', join(dir, 'a.mp4')]);
    expectOneLine(
      run,
      /^stylecast: Style image .*style\.svg is SVG: a style is a JPEG, PNG, WebP, GIF, TIFF or AVIF image$/,
    );
    const schedule = join(dir, 'schedule.yaml');
    writeFileSync(schedule, `segments:\n  - { start: 0, end: 1, style: ${svg} }\n`);
    const check = await runCli(['schedule', 'check', schedule]);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/is SVG: a style is a JPEG, PNG, WebP, GIF, TIFF or AVIF image/);
    expect(readdirSync(dir)).toEqual(['schedule.yaml']);
  });
});

describe('outputs', () => {
  it('a name ending in a slash is refused, nothing written', async () => {
    const dir = folder('slash');
    const run = await render([clip, '-o', 'out.mp4/'], dir);
    expectOneLine(run, /^stylecast: Output out\.mp4\/ ends in a slash: name a file, e\.g\. /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a symbolic link is written through: the file it points to is replaced, the link stays', async () => {
    const dir = folder('symlink');
    const target = join(dir, 'target.mp4');
    writeFileSync(target, 'old');
    symlinkSync('target.mp4', join(dir, 'link.mp4'));
    const run = await render([clip, '-o', 'link.mp4', '-q'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(lstatSync(join(dir, 'link.mp4')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.mp4'))).toBe('target.mp4');
    expect(lstatSync(target).size).toBeGreaterThan(1000);
    expect(readdirSync(dir).sort()).toEqual(['link.mp4', 'target.mp4']);

    symlinkSync(join(dir, 'gone', 'x.mp4'), join(dir, 'dangling.mp4'));
    expectOneLine(
      await render([clip, '-o', 'dangling.mp4'], dir),
      /^stylecast: Output .*dangling\.mp4 is a symbolic link to a file in a folder that does not exist$/,
    );
  });

  it('a rerun clears the partial output a killed run (kill -9) left, and no other', async () => {
    const dir = folder('killed');
    const long = await makeClip(join(dir, 'long.mp4'), { seconds: 30, width: 320, height: 240 });
    const killed = startCli(['render', long, '--style', PAINTING, ...MODEL, '-o', 'out.mp4'], {
      cwd: dir,
    });
    const partial = `.out.mp4.${killed.child.pid}.partial`;
    while (!existsSync(join(dir, partial))) await new Promise((r) => setTimeout(r, 50));
    killed.child.kill('SIGKILL');
    await killed.result;
    // Another run's partial, still being written (this process is alive), is not the rerun's to take.
    const alive = `.out.mp4.${process.pid}.partial`;
    copyFileSync(join(dir, partial), join(dir, alive));
    expect(readdirSync(dir)).toContain(partial);

    const run = await render([clip, '-o', 'out.mp4', '-q'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([alive, 'long.mp4', 'out.mp4']);
  });
});

describe('options whose value is in range on paper only', () => {
  it('live --fps 1e-9 is refused before anything starts', async () => {
    const run = await runCli(['live', '--input', 'testsrc', '--fps', '1e-9', '--port', '0']);
    expectOneLine(
      run,
      /^error: option '--fps <n>' argument '1e-9' is invalid\. Expected `fps` to be a number from 0\.1 to 240, got `1e-9`$/,
    );
  });

  it('worker --stall-seconds 0.001 is refused before it connects', async () => {
    const dir = folder('stall');
    const run = await runCli([
      'worker',
      '--farm',
      'redis://127.0.0.1:1',
      '--farm-dir',
      dir,
      '--stall-seconds',
      '0.001',
    ]);
    expectOneLine(
      run,
      /^error: option '--stall-seconds <s>' argument '0\.001' is invalid\. Expected `stallSeconds` to be a number from 1 to 3600, got `0\.001`$/,
    );
  });
});
