import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerLiveCommand } from '../../src/cli/live-command.js';
import { networkUrls } from '../../src/cli/live-lines.js';
import { parseOrigin } from '../../src/options/options.js';
import { StylecastError } from '../../src/errors.js';
import { TestViewer } from '../stream/live-test-helpers.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';

function program(signal: AbortSignal): Command {
  const root = new Command('stylecast').exitOverride().configureOutput({ writeErr: () => {} });
  registerLiveCommand(root, { signal }).exitOverride();
  return root;
}

afterEach(() => vi.restoreAllMocks());

/** Runs `stylecast live` in this process; resolves the page URL it prints once it is live. */
function startLiveCommand(args: string[]): {
  lines: string[];
  controller: AbortController;
  running: Promise<unknown>;
  url: Promise<string>;
} {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const controller = new AbortController();
  const running = program(controller.signal).parseAsync(['node', 'stylecast', 'live', ...args]);
  const url = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = lines.find((text) => text.includes('"url"'));
      if (line) {
        clearInterval(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    }, 50);
    running.catch((error: unknown) => {
      clearInterval(timer);
      reject(error as Error);
    });
  });
  return { lines, controller, running, url };
}

const socketUrl = (pageUrl: string): string =>
  pageUrl.replace(/^http:\/\/([^/]+)\/\??/, (_, host: string) => `ws://${host}/ws?`);

describe('stylecast live', () => {
  it('prints the URL, streams to a viewer and stops on the signal', async () => {
    const live = startLiveCommand([
      '--input',
      'testsrc',
      '--size',
      '320x180',
      '--fps',
      '10',
      '--model',
      TINY_MODEL,
      '--device',
      'cpu',
      '--port',
      '0',
      '--token',
      'abc',
      '--json',
    ]);
    const viewerUrl = await live.url;
    expect(viewerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=abc$/);
    const viewer = await TestViewer.open(socketUrl(viewerUrl));
    expect((await viewer.nextOfType('hello', 0)).width).toBe(320);
    await viewer.waitFor(() => viewer.frames.length >= 2, 'two frames');
    live.controller.abort();
    await live.running;
    const summary = JSON.parse(live.lines.at(-1)!) as { reason: string; sentFrames: number };
    expect(summary.reason).toBe('stopped');
    expect(summary.sentFrames).toBeGreaterThan(0);
    viewer.close();
  });

  it('stylizes with one --alpha per level of a four-level model', async () => {
    const live = startLiveCommand([
      '--input',
      'testsrc',
      '--size',
      '160x90',
      '--fps',
      '5',
      '--alpha',
      '0.1,0.4,0.7,1',
      '--model',
      'fast',
      '--device',
      'cpu',
      '--workers',
      '1',
      '--port',
      '0',
      '--json',
    ]);
    const viewer = await TestViewer.open(socketUrl(await live.url));
    const hello = await viewer.nextOfType('hello', 0);
    expect(hello.levels).toBe(4);
    expect(hello.settings.alpha).toEqual([0.1, 0.4, 0.7, 1]);
    await viewer.waitFor(() => viewer.frames.length >= 2, 'two frames');
    viewer.send({ type: 'alpha', alpha: [1, 1, 0.5, 0] });
    expect((await viewer.nextOfType('settings', 0)).settings.alpha).toEqual([1, 1, 0.5, 0]);
    const sent = viewer.frames.length;
    await viewer.waitFor(() => viewer.frames.length >= sent + 2, 'frames after the change');
    live.controller.abort();
    await live.running;
    viewer.close();
  });

  it.each([
    [['--port', '70000'], /port/],
    [['--retry', '-1'], /retry/],
    [['--fps', '0'], /fps/],
    [['--quality', '101'], /quality/],
    [['--allow-origin', 'evil'], /origin/],
    [['--input', 'gopher://x'], /RTSP/],
    [['--camera-format', 'mj peg'], /camera-format/],
  ])('refuses %j', async (flags, message) => {
    await expect(
      program(new AbortController().signal).parseAsync(['node', 'stylecast', 'live', ...flags]),
    ).rejects.toThrow(message);
  });

  it('refuses a per-level alpha that does not fit the model, before serving anything', async () => {
    const refused = program(new AbortController().signal).parseAsync([
      'node',
      'stylecast',
      'live',
      '--input',
      'testsrc',
      '--alpha',
      '0.2,0.4',
      '--model',
      TINY_MODEL,
      '--device',
      'cpu',
      '--port',
      '0',
    ]);
    await expect(refused).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: 'Expected `alpha` to be one number or one per model level (1), got 2 values',
    });
  });

  // A camera that is not plugged in: no /dev/video99 exists here.
  const unplugged = ['--input', '/dev/video99', '--model', TINY_MODEL, '--device', 'cpu'];

  it('exits with one readable line when the source cannot be opened and there is no --retry', async () => {
    const { code, stdout, stderr } = await runCli(['live', ...unplugged, '--port', '0']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(errorLines(stderr)).toEqual([
      expect.stringMatching(/^stylecast: Cannot open \/dev\/video99: .*No such file or directory$/),
    ]);
  });

  it('with --retry, serves the page, retries a source that fails at the start, then says why it gave up', async () => {
    const { code, stdout, stderr } = await runCli([
      'live',
      ...unplugged,
      '--port',
      '0',
      '--retry',
      '1',
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/m);
    const lines = errorLines(stderr);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Source unavailable \(Cannot open \/dev\/video99: .*\); retry 1 in 1\.0 s$/,
      ),
    );
    expect(lines.at(-1)).toMatch(
      /^stylecast: Cannot open \/dev\/video99: .*No such file or directory$/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('lists the page on every network address only when listening on all of them', () => {
    expect(networkUrls('http://127.0.0.1:8080/?token=a', '127.0.0.1')).toEqual([]);
    for (const url of networkUrls('http://127.0.0.1:8080/?token=a', '0.0.0.0')) {
      expect(url).toMatch(/^http:\/\/[\d.]+:8080\/\?token=a$/);
    }
  });

  it('normalises origins', () => {
    expect(parseOrigin('https://studio.example:8443/')).toBe('https://studio.example:8443');
    expect(() => parseOrigin('https://studio.example/path')).toThrow(StylecastError);
    expect(() => parseOrigin('ftp://x')).toThrow(
      'Expected `allowOrigin` to be an origin like https://host:port, got `ftp://x`',
    );
  });
});
