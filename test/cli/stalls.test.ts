/**
 * A stage that stops making progress ends the run with one line naming it: a real ffmpeg stopped
 * (SIGSTOP) mid-run, as the encoder or as the decoder, and a real inference pool under a limit no
 * batch can meet. Each run leaves no output, no `.partial` and no ffmpeg behind.
 */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/errors.js';
import { ffmpegPath } from '../../src/ffmpeg.js';
import { defaultStallMs, ProgressWatchdog } from '../../src/progress-watchdog.js';
import { stylizeFrames } from '../../src/render/stylize-frames.js';
import type { Frame } from '../../src/types.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { openTinyPool, PAINTING, paintingStyle, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
let clip: string;
const wrapper = join(temp.dir, 'stalling-ffmpeg.sh');
const pidFile = join(temp.dir, 'stalled.pids');

beforeAll(async () => {
  clip = await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 20, width: 320, height: 240 });
  // The real ffmpeg; the run given the argument $STALL_ON stops itself after $STALL_AFTER s.
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      'for arg in "$@"; do',
      '  if [ "$arg" = "$STALL_ON" ]; then',
      `    echo $$ >> '${pidFile}'`,
      '    (sleep "$STALL_AFTER"; kill -STOP $$) </dev/null >/dev/null 2>&1 &',
      '  fi',
      'done',
      `exec '${ffmpegPath()}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
});
afterAll(() => temp.cleanup());

/** Whether a process still exists (a zombie that only waits to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function renderStalling(stallOn: string, output: string) {
  writeFileSync(pidFile, '');
  const before = readFileSync(clip);
  const result = await runCli(
    ['render', clip, '-m', TINY_MODEL, '--style', PAINTING, '-o', output, '--workers', '1', '-q'],
    {
      cwd: temp.dir,
      env: {
        FFMPEG_PATH: wrapper,
        STALL_ON: stallOn,
        STALL_AFTER: '0.5',
        STYLECAST_STALL_SECONDS: '1',
      },
    },
  );
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  expect(pids).toHaveLength(1);
  expect(pids.filter(alive)).toEqual([]);
  expect(readFileSync(clip).equals(before)).toBe(true);
  expect(readdirSync(temp.dir).filter((f) => f.includes(output))).toEqual([]);
  return { code: result.code, lines: errorLines(result.stderr) };
}

describe('a stage that makes no progress', () => {
  it('an encoder that stops reading its frames', async () => {
    const { code, lines } = await renderStalling('pipe:0', 'enc.mp4');
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^stylecast: No progress for 1 s from the encoder \\(ffmpeg, writing ${join(temp.dir, 'enc.mp4')}, at frame \\d+\\); stopped$`,
        ),
      ),
    ]);
  });

  it('a decoder that stops delivering frames', async () => {
    const { code, lines } = await renderStalling('pipe:1', 'dec.mp4');
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^stylecast: No progress for 1 s from the decoder \\(ffmpeg, reading ${clip}, at frame \\d+\\); stopped$`,
        ),
      ),
    ]);
  });

  it('an inference worker that holds a batch past the limit; the pool still closes', async () => {
    const { pool, stylizer, styles } = await openTinyPool({ workers: 1 });
    const style = await paintingStyle(styles);
    const controller = new AbortController();
    const watchdog = new ProgressWatchdog(1, (stall) => controller.abort(stall));
    async function* frames(): AsyncGenerator<Frame> {
      for (let index = 0; index < 4; index++) {
        const data = new Uint8Array(1280 * 720 * 3).fill(index * 40);
        yield { index, ptsMs: index * 40, width: 1280, height: 720, data };
      }
    }
    const failure = await stylizeFrames({
      frames: frames(),
      stylizer,
      styleFor: () => style,
      write: async () => {},
      signal: controller.signal,
      watchdog,
    }).catch((error: unknown) => error);
    await pool.close();
    expect(failure).toBeInstanceOf(StylecastError);
    expect(failure).toMatchObject({
      code: 'STALLED',
      message: 'No progress for 1 ms from an inference worker (frames 0 to 0); stopped',
    });
    expect(controller.signal.reason).toBe(failure);
  });
});

describe('the limit', () => {
  it('is 60 s, or STYLECAST_STALL_SECONDS, which must be a plain number of seconds', () => {
    const saved = process.env.STYLECAST_STALL_SECONDS;
    try {
      delete process.env.STYLECAST_STALL_SECONDS;
      expect(defaultStallMs()).toBe(60_000);
      process.env.STYLECAST_STALL_SECONDS = '2.5';
      expect(defaultStallMs()).toBe(2500);
      for (const bad of ['0', '-1', 'NaN', '0x10', '1e9', 'soon']) {
        process.env.STYLECAST_STALL_SECONDS = bad;
        expect(() => defaultStallMs()).toThrow(
          `Expected STYLECAST_STALL_SECONDS to be a number of seconds above 0 and at most 86400, got \`${bad}\``,
        );
      }
    } finally {
      if (saved === undefined) delete process.env.STYLECAST_STALL_SECONDS;
      else process.env.STYLECAST_STALL_SECONDS = saved;
    }
  });
});
