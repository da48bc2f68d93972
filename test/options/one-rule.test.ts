/**
 * One rule and one wording per option: a bad value is refused in the same words as a flag (the
 * real CLI), in a config file (the real CLI) and in a library call.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/errors.js';
import {
  liveOptions,
  poolOptions,
  renderOptions,
  styleOptions,
} from '../../src/options/options.js';
import { planRender, renderVideo } from '../../src/render/render-video.js';
import { openStylizer } from '../../src/stylizer/open-stylizer.js';
import { prepareStyle } from '../../src/stylizer/prepare-style.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
let stylizer: Stylizer;
beforeAll(async () => {
  await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 64, height: 48 });
  stylizer = await openStylizer({ model: TINY_MODEL, device: 'cpu', workers: 1 });
});
afterAll(async () => {
  await stylizer?.close();
  temp.cleanup();
});

async function libraryMessage(call: () => Promise<unknown>): Promise<string> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StylecastError);
  expect((error as StylecastError).code).toBe('BAD_OPTION');
  return (error as Error).message;
}

async function cliLine(args: string[]): Promise<string> {
  const { code, stderr } = await runCli(['render', 'clip.mp4', '-m', TINY_MODEL, ...args], {
    cwd: temp.dir,
  });
  expect(code).toBe(1);
  const lines = errorLines(stderr);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const cases: {
  option: string;
  flag: string;
  config: unknown;
  library: () => Promise<unknown>;
  message: string;
}[] = [
  {
    option: 'workers',
    flag: '500',
    config: 500,
    library: () => openStylizer({ model: TINY_MODEL, workers: 500 }),
    message: 'Expected `workers` to be an integer from 1 to 64, got `500`',
  },
  {
    option: 'device',
    flag: 'gpu',
    config: 'gpu',
    library: () => openStylizer({ model: TINY_MODEL, device: 'gpu' as never }),
    message: 'Expected `device` to be one of auto, tensorrt, cuda, webgpu, cpu, got `gpu`',
  },
  {
    option: 'alpha',
    flag: '1.5',
    config: 1.5,
    library: () => prepareStyle(stylizer, { alpha: 1.5 }),
    message: 'Expected `alpha` to be a number from 0 to 1, got `1.5`',
  },
  {
    option: 'batch',
    flag: '256',
    config: 256,
    library: () =>
      renderVideo(stylizer, {
        input: join(temp.dir, 'clip.mp4'),
        output: 'x.mp4',
        styleFor: () => null,
        batch: 256,
      }),
    message: 'Expected `batch` to be an integer from 1 to 16, got `256`',
  },
  {
    option: 'preset',
    flag: 'quick',
    config: 'quick',
    library: () =>
      planRender({ input: join(temp.dir, 'clip.mp4'), output: 'x.mp4', preset: 'quick' as never }),
    message:
      'Expected `preset` to be one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, got `quick`',
  },
];

describe('a bad value gets the same words everywhere', () => {
  it.each(cases)('$option', async ({ option, flag, config, library, message }) => {
    expect(await libraryMessage(library)).toBe(message);
    const kebab = option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    expect(await cliLine([`--${kebab}=${flag}`])).toMatch(
      new RegExp(
        `^error: option '.*--${kebab} .*' argument '${flag}' is invalid\\. ${escape(message)}$`,
      ),
    );
    const file = join(temp.dir, `${option}.json`);
    writeFileSync(file, JSON.stringify({ [option]: config }));
    expect(await cliLine(['--config', file])).toBe(`stylecast: Config file ${file}: ${message}`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('each definition', () => {
  const all = { ...poolOptions, ...styleOptions, ...renderOptions, ...liveOptions };

  it('reads a flag and a library value by one rule', () => {
    expect(poolOptions.workers.parse('8')).toBe(poolOptions.workers.check(8));
    expect(renderOptions.size.parse('320x240')).toEqual(
      renderOptions.size.check({ width: 320, height: 240 }),
    );
    expect(styleOptions.alpha.parse('0.2,0.5,1')).toEqual(styleOptions.alpha.check([0.2, 0.5, 1]));
    expect(liveOptions.fps.parse('25')).toBe(liveOptions.fps.check(25));
    expect(() => liveOptions.fps.parse('0x1')).toThrow(
      'Expected `fps` to be a number from 0.1 to 240, got `0x1`',
    );
    expect(() => liveOptions.quality.check(101)).toThrow(
      'Expected `quality` to be an integer from 1 to 100, got `101`',
    );
    expect(() => styleOptions.preserveColor.check('false')).toThrow(
      'Expected `preserveColor` to be true or false, got `"false"`',
    );
  });

  it('keeps its default inside its own limit', () => {
    for (const definition of Object.values(all)) {
      if (definition.default === undefined) continue;
      expect(definition.check(definition.default), definition.name).toEqual(definition.default);
    }
  });
});
