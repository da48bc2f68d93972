/**
 * Every failure a library caller can cause is a StylecastError with a stable code and a message
 * that names what was wrong — never a TypeError from deep inside — and writes nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStylizer,
  prepareStyle,
  renderImage,
  renderVideo,
  StylecastError,
  type Stylizer,
} from '../src/index.js';
import { planRender } from '../src/advanced.js';
import { makeClip, tempDir } from './helpers/media.js';
import { PAINTING, TINY_MODEL } from './helpers/tiny-model.js';

const temp = tempDir('stylecast-library-errors-');
let clip: string;
let stylizer: Stylizer;

beforeAll(async () => {
  clip = await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 64, height: 48 });
  stylizer = await openStylizer({ model: TINY_MODEL, device: 'cpu', workers: 1 });
});
afterAll(async () => {
  await stylizer.close();
  temp.cleanup();
});

/** How `call` failed: its class, code and message. */
async function failure(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    const stylecast = error instanceof StylecastError;
    return `${stylecast ? 'StylecastError' : (error as Error).name} ${stylecast ? error.code : ''}: ${(error as Error).message}`;
  }
  return 'resolved';
}

const outputs = (): string[] => readdirSync(temp.dir).filter((name) => name.startsWith('out'));

describe('a library call given what it cannot use', () => {
  it.each([
    [
      'openStylizer(null)',
      () => openStylizer(null as never),
      'StylecastError BAD_OPTION: Expected the options to be an object, got `null`',
    ],
    [
      "openStylizer({ workers: '2' }) says it is a string",
      () => openStylizer({ workers: '2' as never }),
      'StylecastError BAD_OPTION: Expected `workers` to be an integer from 1 to 64, got the string `"2"`',
    ],
    [
      'planRender without output',
      () => planRender({ input: clip } as never),
      'StylecastError BAD_OPTION: Expected `output` (the file to write), got nothing',
    ],
    [
      'planRender with an input that is not text',
      () => planRender({ input: 7, output: join(temp.dir, 'out.mp4') } as never),
      'StylecastError BAD_OPTION: Expected `input` to be a video file, got `7`',
    ],
    [
      'prepareStyle(null)',
      () => prepareStyle(null as never, { style: [{ path: PAINTING, weight: 1 }] }),
      'StylecastError BAD_OPTION: Expected `stylizer` to be an open stylizer (what openStylizer returns), got `null`',
    ],
    [
      'renderImage without a stylizer',
      () =>
        renderImage(undefined as never, {
          input: PAINTING,
          output: join(temp.dir, 'out.png'),
          style: null as never,
        }),
      'StylecastError BAD_OPTION: Expected `stylizer` to be an open stylizer (what openStylizer returns), got `nothing`',
    ],
  ])('%s', async (_name, call, message) => {
    expect(await failure(call)).toBe(message);
    expect(outputs()).toEqual([]);
  });

  it('renderVideo without a stylizer, with a batch as text, or after the stylizer is closed', async () => {
    const plan = await planRender({ input: clip, output: join(temp.dir, 'out.mp4') });
    const style = await prepareStyle(stylizer, { style: [{ path: PAINTING, weight: 1 }] });
    expect(
      await failure(() => renderVideo(undefined as never, { ...plan, styleFor: () => style })),
    ).toBe(
      'StylecastError BAD_OPTION: Expected `stylizer` to be an open stylizer (what openStylizer returns), got `nothing`',
    );
    expect(
      await failure(() =>
        renderVideo(stylizer, { ...plan, styleFor: () => style, batch: '2' as never }),
      ),
    ).toBe(
      'StylecastError BAD_OPTION: Expected `batch` to be an integer from 1 to 16, got the string `"2"`',
    );
    const closed = await openStylizer({ model: TINY_MODEL, device: 'cpu', workers: 1 });
    await closed.close();
    expect(await failure(() => renderVideo(closed, { ...plan, styleFor: () => style }))).toBe(
      'StylecastError ABORTED: The inference pool is closed',
    );
    expect(outputs()).toEqual([]);
  });
});
