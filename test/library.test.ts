/**
 * The package as a user gets it: `npm pack`ed, unpacked into a project's node_modules (its
 * dependencies beside it), and imported from a script outside the repository as
 * `import … from 'stylecast'`. Run `npm run build` first; `npm test` does.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { PAINTING, TINY_MODEL } from './helpers/tiny-model.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const temp = tempDir();
const modules = join(temp.dir, 'node_modules');
const installed = join(modules, 'stylecast');

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('run `npm run build` first');
  mkdirSync(modules);
  // dist/ is built already: packing need not build it again.
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', temp.dir],
    { cwd: ROOT },
  );
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await run('tar', ['-xzf', join(temp.dir, filename), '-C', modules]);
  renameSync(join(modules, 'package'), installed);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (!name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  await makeClip(join(temp.dir, 'clip.mp4'), { seconds: 1, width: 160, height: 120 });
  copyFileSync(PAINTING, join(temp.dir, 'starry.jpg'));
});
afterAll(() => temp.cleanup());

/** Runs `code` as an ES module in the user's folder; resolves with what it printed. */
async function runScript(code: string): Promise<string> {
  const script = join(temp.dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, code);
  const { stdout } = await run(process.execPath, [script], { cwd: temp.dir });
  return stdout;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(installed, join(entry.parentPath, entry.name)));
}

describe("import from 'stylecast'", () => {
  it('runs the README example as written, with the shipped default model', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it as a library'));
    const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain("from 'stylecast'");
    const printed = await runScript(example!);
    expect(printed.trim()).toMatch(
      new RegExp(`^25 frames, [\\d.]+ fps: ${join(temp.dir, 'clip.stylized.mp4')}$`),
    );
    expect(existsSync(join(temp.dir, 'clip.stylized.mp4'))).toBe(true);
  });

  it('fails with a StylecastError and a stable code; an aborted signal stops a render', async () => {
    const printed = await runScript(`
      import { isAbortError, openStylizer, renderVideo, StylecastError } from 'stylecast';
      import { planRender } from 'stylecast/advanced';

      const outcome = async (promise) =>
        promise.then(
          () => 'resolved',
          (e) => ({ stylecast: e instanceof StylecastError, code: e.code, aborted: isAbortError(e) }),
        );
      const missing = await outcome(planRender({ input: 'nope.mp4', output: 'x.mp4' }));
      const overwrite = await outcome(planRender({ input: 'clip.mp4', output: './clip.mp4' }));
      const tooMany = await openStylizer({ workers: 500 }).catch((e) => e.code + ': ' + e.message);
      const stylizer = await openStylizer({ model: ${JSON.stringify(TINY_MODEL)}, device: 'cpu' });
      const plan = await planRender({ input: 'clip.mp4', output: 'stopped.mp4' });
      const stopped = await outcome(
        renderVideo(stylizer, { ...plan, styleFor: () => null, signal: AbortSignal.abort() }),
      );
      await stylizer.close();
      console.log(JSON.stringify({ missing, overwrite, tooMany, stopped }));
    `);
    expect(JSON.parse(printed)).toEqual({
      missing: { stylecast: true, code: 'INPUT_NOT_FOUND', aborted: false },
      overwrite: { stylecast: true, code: 'OUTPUT_INVALID', aborted: false },
      tooMany: 'BAD_OPTION: Expected `workers` to be an integer from 1 to 64, got `500`',
      stopped: expect.objectContaining({ aborted: true }),
    });
    expect(existsSync(join(temp.dir, 'stopped.mp4'))).toBe(false);
  });

  it("resolves 'stylecast/advanced', with its types, beside the front door", async () => {
    const printed = await runScript(`
      import * as front from 'stylecast';
      import { InferencePool, planRender, VIDEO_FORMATS } from 'stylecast/advanced';
      console.log(JSON.stringify({
        front: Object.keys(front).length,
        advanced: [typeof InferencePool.open, typeof planRender, Object.keys(VIDEO_FORMATS)[0]],
      }));
    `);
    expect(JSON.parse(printed)).toEqual({
      front: expect.any(Number),
      advanced: ['function', 'function', '.mp4'],
    });
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    for (const entry of Object.values(manifest.exports)) {
      expect(existsSync(join(installed, entry.types)), entry.types).toBe(true);
      expect(existsSync(join(installed, entry.default)), entry.default).toBe(true);
    }
    // A TypeScript user's imports of both entry points type-check against the shipped .d.ts.
    const typed = join(temp.dir, 'typed.ts');
    writeFileSync(
      typed,
      [
        "import { openStylizer, type RenderVideoOptions } from 'stylecast';",
        "import { InferencePool } from 'stylecast/advanced';",
        "const options: Partial<RenderVideoOptions> = { preset: 'fast', batch: 2 };",
        'export const used = [openStylizer, InferencePool, options];',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', typed],
      { cwd: temp.dir },
    );
  });

  it('ships what users run: the code, the models, the sample, the viewer, the docs; no training or tests', async () => {
    const files = filesUnder(installed);
    for (const needed of [
      'bin/stylecast.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/advanced.js',
      'dist/advanced.d.ts',
      'dist/infer/infer-worker.js',
      'models/paint/model.json',
      'models/paint/stylizer.int8.onnx',
      'models/fast/stylizer.onnx',
      'models/common/preserve_color.onnx',
      'assets/sample/clip.mp4',
      'src/stream/viewer/index.html',
      'README.md',
      'docs/live.md',
      'docs/protocol.md',
    ]) {
      expect(files).toContain(needed);
    }
    const unwanted = files.filter((file) =>
      /^(test|bench|models\/(train|import))\/|\.(pt|py|sh|png|csv|log)$/.test(file),
    );
    expect(unwanted).toEqual([]);
    const { stdout } = await run(
      process.execPath,
      [join(installed, 'bin/stylecast.js'), 'models'],
      {
        cwd: temp.dir,
      },
    );
    expect(stdout).toMatch(/paint/);
  });
});
