/**
 * A value means one thing in every entry point, or is refused with one line: the real CLI, given
 * the values that used to be silently reinterpreted, as flags and in a config file.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
beforeAll(() => copyFileSync(PAINTING, join(temp.dir, 'p.jpg')));
afterAll(() => temp.cleanup());

async function expectRefused(args: string[], line: string | RegExp): Promise<void> {
  const { code, stderr } = await runCli(['image', 'p.jpg', '-m', TINY_MODEL, ...args], {
    cwd: temp.dir,
  });
  expect(code).toBe(1);
  const lines = errorLines(stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
}

describe('flags', () => {
  it.each([
    ['--alpha=', 'Expected `alpha` to be a number from 0 to 1, got ``'],
    ['--alpha=,,,', 'Expected `alpha` to be a number from 0 to 1, got ``'],
    ['--alpha=0x1', 'Expected `alpha` to be a number from 0 to 1, got `0x1`'],
    ['--threads=0x1', 'Expected `threads` to be an integer from 1 to 64, got `0x1`'],
    ['--threads=1e1', 'Expected `threads` to be an integer from 1 to 64, got `1e1`'],
  ])('%s', async (flag, message) => {
    await expectRefused([flag], message);
  });

  it.each(['NaN', '1e308', 'Infinity', ''])('a style weight of `%s`', async (weight) => {
    await expectRefused(
      ['--style', `p.jpg@${weight}`, '--style', `p.jpg@${weight}`],
      `Expected the weight of style \`p.jpg\` to be a number above 0 and at most 1000, got \`${weight}\``,
    );
  });
});

describe('config file', () => {
  const config = (values: object): string => {
    const path = join(temp.dir, 'c.json');
    writeFileSync(path, JSON.stringify(values));
    return path;
  };

  it('a switch given as the string "false" is refused, not turned on', async () => {
    await expectRefused(
      ['--config', config({ preserveColor: 'false' })],
      /^stylecast: Config file .*c\.json: Expected `preserveColor` to be true or false, got `"false"`$/,
    );
  });

  it('an alpha list is one per-level alpha, checked whole (not its last value)', async () => {
    // The tiny model has one level: a three-value list does not fit it.
    await expectRefused(
      ['--config', config({ alpha: [0.2, 0.5, 1] })],
      'stylecast: Expected `alpha` to be one number or one per model level (1), got 3 values',
    );
  });

  it('a list for a one-value option, and a weight that is not a number', async () => {
    await expectRefused(
      ['--config', config({ threads: [1, 2] })],
      /c\.json: Expected `threads` to be one value, got a list$/,
    );
    await expectRefused(
      ['--config', config({ style: ['p.jpg@NaN'] })],
      /c\.json: Expected the weight of style `p.jpg` to be a number above 0 and at most 1000, got `NaN`$/,
    );
  });
});

describe('limits, checked before any work', () => {
  it.each([
    ['--threads=500', 'Expected `threads` to be an integer from 1 to 64, got `500`'],
    ['--batch=256', 'Expected `batch` to be an integer from 1 to 16, got `256`'],
  ])('%s', async (flag, message) => {
    const { code, stderr } = await runCli(['render', '-m', TINY_MODEL, flag], { cwd: temp.dir });
    expect(code).toBe(1);
    expect(errorLines(stderr)).toHaveLength(1);
    expect(errorLines(stderr)[0]).toContain(message);
  });

  it.each(['1.5', '0', '65'])('a farm worker with `--concurrency %s`', async (value) => {
    const farm = ['--farm', 'redis://127.0.0.1:1', '--farm-dir', temp.dir];
    const { code, stderr } = await runCli(['worker', ...farm, '--concurrency', value]);
    expect(code).toBe(1);
    expect(errorLines(stderr)).toHaveLength(1);
    expect(errorLines(stderr)[0]).toContain(
      `Expected \`concurrency\` to be an integer from 1 to 64, got \`${value}\``,
    );
  });

  it('an image above 40 megapixels (a few KB of PNG) is refused from its header', async () => {
    const huge = join(temp.dir, 'huge.png');
    await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } })
      .png()
      .toFile(huge);
    const { code, stderr } = await runCli(['image', 'huge.png', '-m', TINY_MODEL], {
      cwd: temp.dir,
    });
    expect(code).toBe(1);
    expect(errorLines(stderr)).toEqual([
      `stylecast: Image huge.png is 7000x7000 (49 megapixels); the limit is 40 megapixels`,
    ]);
    expect(existsSync(join(temp.dir, 'huge.stylized.png'))).toBe(false);
  });
});
