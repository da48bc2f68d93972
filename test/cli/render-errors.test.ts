/**
 * Bad input gets one readable line, a non-zero exit, and nothing half-written: each case runs
 * the real CLI on real files.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  truncateSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli, startCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
let clip: string;
let longClip: string;
const common = ['-m', TINY_MODEL, '--style', PAINTING];

beforeAll(async () => {
  clip = await makeClip(join(temp.dir, 'clip.mp4'), {
    seconds: 2,
    extra: [
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
    ],
  });
  longClip = await makeClip(join(temp.dir, 'long.mp4'), { seconds: 60, width: 640, height: 360 });
});
afterAll(() => temp.cleanup());

/** Files in a folder that look like finished or partial outputs. */
function leftovers(dir: string, name: string): string[] {
  return readdirSync(dir).filter(
    (f) => f === name || (f.includes(`${name}.`) && f.endsWith('.partial')),
  );
}

/** Starts rendering the long clip to `output`; resolves once its progress shows frames flowing. */
async function renderInFlight(output: string): Promise<ReturnType<typeof startCli>> {
  const run = startCli(['render', longClip, ...common, '-o', output], { cwd: temp.dir });
  await new Promise<void>((resolve) =>
    run.child.stderr!.on(
      'data',
      (chunk: Buffer) => chunk.toString().includes('frames ') && resolve(),
    ),
  );
  return run;
}

async function expectOneLineError(args: string[], pattern: RegExp, cwd = temp.dir): Promise<void> {
  const { code, stderr } = await runCli(args, { cwd });
  expect(code).toBe(1);
  const lines = errorLines(stderr).filter(
    (l) => l.startsWith('stylecast:') || l.startsWith('error:'),
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
}

describe('render: bad input', () => {
  it('a missing input', async () => {
    await expectOneLineError(
      ['render', join(temp.dir, 'nope.mp4'), ...common, '-o', join(temp.dir, 'a.mp4')],
      /Input not found: .*nope\.mp4/,
    );
  });

  it('a file that is not video', async () => {
    const text = join(temp.dir, 'notes.mp4');
    writeFileSync(text, 'just some text, not a video\n');
    await expectOneLineError(
      ['render', text, ...common, '-o', join(temp.dir, 'b.mp4')],
      /Not a video ffmpeg can read: .*notes\.mp4/,
    );
  });

  it('a video corrupt part-way through, or cut short', async () => {
    const garbled = join(temp.dir, 'garbled.mp4');
    execFileSync('cp', [clip, garbled]);
    const size = statSync(garbled).size;
    const fd = openSync(garbled, 'r+');
    writeSync(
      fd,
      Buffer.alloc(Math.floor(size / 8), 0x5a),
      0,
      Math.floor(size / 8),
      Math.floor(size / 2),
    );
    closeSync(fd);
    await expectOneLineError(
      ['render', garbled, ...common, '-o', join(temp.dir, 'c.mp4')],
      /while decoding .*garbled\.mp4|garbled\.mp4 is damaged/,
    );
    expect(leftovers(temp.dir, 'c.mp4')).toEqual([]);

    const cut = join(temp.dir, 'cut.mp4');
    execFileSync('cp', [clip, cut]);
    truncateSync(cut, Math.floor(size * 0.6));
    await expectOneLineError(['render', cut, ...common, '-o', join(temp.dir, 'd.mp4')], /cut\.mp4/);
    expect(leftovers(temp.dir, 'd.mp4')).toEqual([]);
  });

  it('a style that is not an image, and a missing style', async () => {
    const fake = join(temp.dir, 'style.jpg');
    writeFileSync(fake, 'not really a jpeg');
    await expectOneLineError(
      ['render', clip, '-m', TINY_MODEL, '--style', fake, '-o', join(temp.dir, 'e.mp4')],
      /Style is not an image that can be read: .*style\.jpg/,
    );
    await expectOneLineError(
      [
        'render',
        clip,
        '-m',
        TINY_MODEL,
        '--style',
        join(temp.dir, 'gone.jpg'),
        '-o',
        join(temp.dir, 'e.mp4'),
      ],
      /Style image not found/,
    );
  });

  it('style weights that are not positive', async () => {
    await expectOneLineError(
      [
        'render',
        clip,
        '-m',
        TINY_MODEL,
        '--style',
        `${PAINTING}@0`,
        '--style',
        PAINTING,
        '-o',
        join(temp.dir, 'f.mp4'),
      ],
      /above 0 and at most 1000, got `0`/,
    );
    await expectOneLineError(
      [
        'render',
        clip,
        '-m',
        TINY_MODEL,
        '--style',
        `${PAINTING}@-2`,
        '-o',
        join(temp.dir, 'f.mp4'),
      ],
      /above 0 and at most 1000, got `-2`/,
    );
  });

  it('an alpha outside 0..1', async () => {
    await expectOneLineError(
      ['render', clip, ...common, '--alpha', '1.7', '-o', join(temp.dir, 'g.mp4')],
      /number from 0 to 1, got `1.7`/,
    );
  });

  it('an output that equals the input', async () => {
    await expectOneLineError(
      ['render', clip, ...common, '-o', clip],
      /Output would overwrite an input/,
    );
  });

  it('an output folder that does not exist, or is not writable', async () => {
    await expectOneLineError(
      ['render', clip, ...common, '-o', join(temp.dir, 'missing', 'h.mp4')],
      /Output folder does not exist/,
    );
    const locked = join(temp.dir, 'locked');
    mkdirSync(locked);
    if (process.getuid?.() === 0) {
      // root writes through permissions; a read-only mount stops it.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', locked]);
    } else {
      chmodSync(locked, 0o555);
    }
    try {
      await expectOneLineError(
        ['render', clip, ...common, '-o', join(locked, 'h.mp4')],
        /Output folder is not writable/,
      );
    } finally {
      if (process.getuid?.() === 0) execFileSync('umount', [locked]);
    }
  });

  it('an output type that is not supported', async () => {
    await expectOneLineError(
      ['render', clip, ...common, '-o', join(temp.dir, 'out.gif')],
      /Unsupported output type `\.gif`/,
    );
  });

  it('an unknown model', async () => {
    await expectOneLineError(
      ['render', clip, '-m', 'no-such-model', '--style', PAINTING, '-o', join(temp.dir, 'i.mp4')],
      /Unknown model `no-such-model`/,
    );
  });

  it('a disk that fills up', async () => {
    const small = join(temp.dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', small]);
    try {
      await expectOneLineError(
        ['render', longClip, ...common, '--lossless', '-o', join(small, 'full.mkv')],
        /Disk full while writing .*full\.mkv/,
      );
      expect(readdirSync(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('ffmpeg dying mid-run', async () => {
    const output = join(temp.dir, 'killed.mp4');
    const run = await renderInFlight(output);
    // Kill the encoder's ffmpeg (the one writing the partial file).
    execFileSync('pkill', ['-KILL', '-f', 'killed\\.mp4\\..*\\.partial']);
    const { code, stderr } = await run.result;
    expect(code).toBe(1);
    expect(errorLines(stderr).at(-1)).toMatch(
      /^stylecast: ffmpeg quit with a signal while encoding .*killed\.mp4 \(at frame \d+\)/,
    );
    expect(leftovers(temp.dir, 'killed.mp4')).toEqual([]);
  });
});

/** ffmpeg processes still writing anything named like `name`. */
function ffmpegsFor(name: string): string {
  try {
    return execFileSync('pgrep', ['-af', `ffmpeg.*${name}`], { encoding: 'utf8' });
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

describe('render: Ctrl-C, kill, hang-up', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s stops cleanly, leaves no output or ffmpeg, exits %i', async (signal, exit) => {
    const name = `interrupted-${signal}.mp4`;
    const run = await renderInFlight(join(temp.dir, name));
    run.child.kill(signal);
    const { code, stderr } = await run.result;
    expect(code).toBe(exit);
    expect(errorLines(stderr).at(-1)).toMatch(/^stylecast: Stopped; no output was written to /);
    expect(leftovers(temp.dir, name)).toEqual([]);
    expect(ffmpegsFor(name)).toBe('');
  });

  it('with --quiet says nothing but the one line', async () => {
    const name = 'quiet-stop.mp4';
    const run = startCli(['render', longClip, ...common, '--quiet', '-o', name], { cwd: temp.dir });
    // Frames are flowing once the partial output has grown past its header.
    while (!readdirSync(temp.dir).some((f) => f.startsWith(`.${name}`))) await sleep(100);
    await sleep(500);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.result;
    expect(code).toBe(143);
    expect(errorLines(stderr)).toEqual([
      `stylecast: Stopped; no output was written to ${join(temp.dir, name)}`,
    ]);
    expect(leftovers(temp.dir, name)).toEqual([]);
  });
});
