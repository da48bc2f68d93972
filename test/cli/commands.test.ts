import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/decode/probe.js';
import { tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
afterAll(() => temp.cleanup());
const PHOTO = new URL('../../../shared/data/photos/skimage/skimage_chelsea.jpg', import.meta.url)
  .pathname;

describe('stylecast render', () => {
  it('with no input renders the bundled sample and says where the result is', async () => {
    const { code, stdout } = await runCli(['render', '-m', TINY_MODEL, '--size', '320x180', '-q'], {
      cwd: temp.dir,
    });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const again = await runCli(['render', '-m', TINY_MODEL, '--size', '320x180'], {
      cwd: temp.dir,
    });
    const output = join(temp.dir, 'stylecast-sample.mp4');
    expect(again.stdout).toContain(`Wrote ${output} (150 frames at 320x180`);
    expect(await probeMedia(output, { countFrames: true })).toMatchObject({
      width: 320,
      height: 180,
      frameCount: 150,
      hasAudio: true,
    });
  });

  it('--json prints one object with the results', async () => {
    const output = join(temp.dir, 'json.mp4');
    const { code, stdout } = await runCli(
      ['render', '-m', TINY_MODEL, '--size', '160x90', '--json', '-o', output],
      { cwd: temp.dir },
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      frames: 150,
      width: 160,
      height: 90,
      model: 'tiny',
      device: 'cpu',
      output,
    });
    expect(result.fps).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.peakRssMb).toBeGreaterThan(0);
  });

  it('takes option values from a config file, flags first', async () => {
    const dir = join(temp.dir, 'configured');
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    writeFileSync(
      join(dir, 'stylecast.config.json'),
      JSON.stringify({ model: TINY_MODEL, size: '160x90', style: [`${PAINTING}@2`, PAINTING] }),
    );
    const fromConfig = await runCli(['render', '--json'], { cwd: dir });
    expect(JSON.parse(fromConfig.stdout)).toMatchObject({ width: 160, height: 90, model: 'tiny' });
    const flagWins = await runCli(['render', '--json', '--size', '320x180', '-o', 'b.mp4'], {
      cwd: dir,
    });
    expect(JSON.parse(flagWins.stdout)).toMatchObject({ width: 320, height: 180 });

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ colour: 'blue' }));
    const bad = await runCli(['render', '--config', 'bad.json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(errorLines(bad.stderr).at(-1)).toMatch(
      /^stylecast: Config file .*bad\.json: unknown option `colour`/,
    );
  });
});

describe('stylecast image', () => {
  it('stylizes a still image at its own size', async () => {
    const output = join(temp.dir, 'cat.png');
    const { code, stdout } = await runCli(
      ['image', PHOTO, '-m', TINY_MODEL, '--style', PAINTING, '-o', output],
      { cwd: temp.dir },
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`Wrote ${output} (451x300`);
    expect(await sharp(output).metadata()).toMatchObject({
      width: 451,
      height: 300,
      format: 'png',
    });
  });

  it('rejects an input that is not an image, writing nothing', async () => {
    const text = join(temp.dir, 'notes.jpg');
    writeFileSync(text, 'hello');
    const output = join(temp.dir, 'never.png');
    const { code, stderr } = await runCli([
      'image',
      text,
      '-m',
      TINY_MODEL,
      '--style',
      PAINTING,
      '-o',
      output,
    ]);
    expect(code).toBe(1);
    expect(errorLines(stderr).at(-1)).toMatch(
      /^stylecast: Not an image that can be read: .*notes\.jpg/,
    );
    expect(existsSync(output)).toBe(false);
  });
});

describe('--precision', () => {
  it('says which stylizer graph ran, and refuses int8 where there is none, in one line', async () => {
    const output = join(temp.dir, 'int8.png');
    const int8 = await runCli(['image', PHOTO, '--precision', 'int8', '--json', '-o', output]);
    expect(int8.code).toBe(0);
    expect(JSON.parse(int8.stdout)).toMatchObject({
      model: 'paint',
      device: 'cpu',
      precision: 'int8',
    });
    const dir = join(temp.dir, 'precision-config');
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    writeFileSync(join(dir, 'stylecast.config.json'), JSON.stringify({ precision: 'fp32' }));
    const fp32 = await runCli(['image', PHOTO, '--json', '-o', 'fp32.png'], { cwd: dir });
    expect(JSON.parse(fp32.stdout)).toMatchObject({ precision: 'fp32' });

    // auto: the line that names the provider names the precision and how it was chosen.
    const auto = await runCli(['render', '--size', '160x90', '-o', 'auto.mp4'], {
      cwd: temp.dir,
    });
    expect(auto.stderr).toMatch(
      /with model paint on cpu, (int8 \(\d+\.\d\dx faster than fp32|fp32 \(int8 only \d+\.\d\dx as fast) here, (measured|cached)\)\n/,
    );

    const none = await runCli(['image', PHOTO, '-m', TINY_MODEL, '--precision', 'int8']);
    expect(none.code).toBe(1);
    expect(errorLines(none.stderr)).toEqual([
      'stylecast: `--precision int8`: model `tiny` has no int8 variant (its model.json names no `stylizerInt8`)',
    ]);
    writeFileSync(join(dir, 'stylecast.config.json'), JSON.stringify({ precision: 'int4' }));
    const bad = await runCli(['image', PHOTO], { cwd: dir });
    expect(errorLines(bad.stderr).at(-1)).toMatch(
      /^stylecast: Config file .*: Expected `precision` to be one of auto, fp32, int8, got `int4`$/,
    );
  });
});

describe('stylecast models / devices', () => {
  it('lists models on the search path with family, size, licence and source', async () => {
    const { code, stdout } = await runCli(['models', '--json'], {
      env: { STYLECAST_MODELS: dirname(TINY_MODEL) },
    });
    expect(code).toBe(0);
    const tiny = JSON.parse(stdout).find((m: { name: string }) => m.name === 'tiny');
    expect(tiny).toMatchObject({
      family: 'adain',
      license: 'MIT',
      source: expect.stringContaining('build_tiny_model.py'),
    });
    expect(tiny.bytes).toBeGreaterThan(0);
  });

  it('lists the providers and whether each loads', async () => {
    const { code, stdout } = await runCli(['devices']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ cpu/);
    expect(stdout).toMatch(/✗ cuda/);
  });
});
