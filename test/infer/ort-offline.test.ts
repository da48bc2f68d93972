/**
 * stylecast sends nothing anywhere: ONNX Runtime's telemetry (1DS, in its 1.30 Linux build) is off
 * in every process that loads it, so a run leaves no device id or event queue under
 * ~/.cache/Microsoft and no /tmp/mat-debug-PID.log. The CLI runs with the variable unset, as a
 * user's shell has it.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/media.js';
import { startCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir('stylecast-ort-offline-');
afterAll(() => temp.cleanup());

/** Runs the CLI with `args` in a home of its own, ONNX Runtime's variable unset. */
async function runAtHome(name: string, args: string[]) {
  const home = join(temp.dir, name);
  mkdirSync(home);
  const run = startCli(args, { cwd: home, env: { HOME: home, ORT_DISABLE_TELEMETRY: undefined } });
  const result = await run.result;
  return { home, pid: run.child.pid!, result };
}

const debugLogs = (pid: number): string[] =>
  [...new Set(['/tmp', tmpdir()])]
    .map((dir) => join(dir, `mat-debug-${pid}.log`))
    .filter((path) => existsSync(path));

describe('ONNX Runtime telemetry', () => {
  it('a render leaves no mat-debug log and nothing under ~/.cache/Microsoft', async () => {
    const { home, pid, result } = await runAtHome('image', [
      'image',
      PAINTING,
      '--style',
      PAINTING,
      ...['-m', TINY_MODEL, '-d', 'cpu', '--size', '64x64', '-o', 'out.png', '-q'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(debugLogs(pid)).toEqual([]);
    expect(readdirSync(home)).toEqual(['out.png']);
  });

  it('nor does `stylecast devices`, whose probes load every provider in child processes', async () => {
    const { home, pid, result } = await runAtHome('devices', ['devices']);
    expect(result.code, result.stderr).toBe(0);
    expect(debugLogs(pid)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });
});
