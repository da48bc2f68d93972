/**
 * The package as a user imports it: a script outside the repository, `import … from 'stylecast'`
 * resolved through node_modules to the built dist/ (run `npm run build` first; `npm test` does).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { PAINTING, TINY_MODEL } from './helpers/tiny-model.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const temp = tempDir();

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('run `npm run build` first');
  mkdirSync(join(temp.dir, 'node_modules'));
  symlinkSync(ROOT, join(temp.dir, 'node_modules', 'stylecast'));
  await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 160, height: 120 });
});
afterAll(() => temp.cleanup());

/** Runs `code` as an ES module in the user's folder; resolves with what it printed. */
async function runScript(code: string): Promise<unknown> {
  const script = join(temp.dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, code);
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: temp.dir });
  return JSON.parse(stdout);
}

describe("import from 'stylecast'", () => {
  it('renders a video with the README example', async () => {
    const printed = await runScript(`
      import { chosenStyle, openStylizer, planRender, renderVideo } from 'stylecast';

      const stylizer = await openStylizer({ model: ${JSON.stringify(TINY_MODEL)}, device: 'cpu' });
      try {
        const style = await chosenStyle(stylizer, {
          style: [{ path: ${JSON.stringify(PAINTING)}, weight: 1 }],
          alpha: 0.8,
        });
        const plan = await planRender({ input: 'clip.mp4', output: 'clip.stylized.mp4' });
        const result = await renderVideo(plan, {
          pool: stylizer.pool,
          styleFor: () => style,
          signal: AbortSignal.timeout(60_000),
        });
        console.log(JSON.stringify(result));
      } finally {
        await stylizer.close();
      }
    `);
    expect(printed).toMatchObject({
      frames: 25,
      width: 160,
      height: 120,
      output: join(temp.dir, 'clip.stylized.mp4'),
    });
    expect(existsSync(join(temp.dir, 'clip.stylized.mp4'))).toBe(true);
  });

  it('fails with a StylecastError and a stable code; an aborted signal stops a render', async () => {
    const printed = await runScript(`
      import { isAbortError, openStylizer, planRender, renderVideo, StylecastError } from 'stylecast';

      const outcome = async (promise) =>
        promise.then(
          () => 'resolved',
          (e) => ({ stylecast: e instanceof StylecastError, code: e.code, aborted: isAbortError(e) }),
        );
      const missing = await outcome(planRender({ input: 'nope.mp4', output: 'x.mp4' }));
      const overwrite = await outcome(planRender({ input: 'clip.mp4', output: './clip.mp4' }));
      const stylizer = await openStylizer({ model: ${JSON.stringify(TINY_MODEL)}, device: 'cpu' });
      const plan = await planRender({ input: 'clip.mp4', output: 'stopped.mp4' });
      const stopped = await outcome(
        renderVideo(plan, { pool: stylizer.pool, styleFor: () => null, signal: AbortSignal.abort() }),
      );
      await stylizer.close();
      console.log(JSON.stringify({ missing, overwrite, stopped }));
    `);
    expect(printed).toEqual({
      missing: { stylecast: true, code: 'INPUT_NOT_FOUND', aborted: false },
      overwrite: { stylecast: true, code: 'OUTPUT_INVALID', aborted: false },
      stopped: expect.objectContaining({ aborted: true }),
    });
    expect(existsSync(join(temp.dir, 'stopped.mp4'))).toBe(false);
  });
});
