import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { networkUrls, parseOrigin, registerLiveCommand } from '../../src/cli/live-command.js';
import { TestViewer } from '../stream/live-test-helpers.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';

function program(signal: AbortSignal): Command {
  const root = new Command('stylecast').exitOverride().configureOutput({ writeErr: () => {} });
  registerLiveCommand(root, { signal }).exitOverride();
  return root;
}

afterEach(() => vi.restoreAllMocks());

describe('stylecast live', () => {
  it('prints the URL, streams to a viewer and stops on the signal', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const controller = new AbortController();
    const running = program(controller.signal).parseAsync([
      'node',
      'stylecast',
      'live',
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
    const viewerUrl = await new Promise<string>((resolve, reject) => {
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
    expect(viewerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=abc$/);
    const viewer = await TestViewer.open(viewerUrl.replace(/^http:\/\/([^/]+)\/\?/, 'ws://$1/ws?'));
    expect((await viewer.nextOfType('hello', 0)).width).toBe(320);
    await viewer.waitFor(() => viewer.frames.length >= 2, 'two frames');
    controller.abort();
    await running;
    const summary = JSON.parse(lines.at(-1)!) as { reason: string; sentFrames: number };
    expect(summary.reason).toBe('stopped');
    expect(summary.sentFrames).toBeGreaterThan(0);
    viewer.close();
  });

  it.each([
    [['--port', '70000'], /port/],
    [['--retry', '-1'], /retry/],
    [['--fps', '0'], /fps/],
    [['--quality', '101'], /quality/],
    [['--allow-origin', 'evil'], /origin/],
    [['--input', 'gopher://x'], /RTSP/],
  ])('refuses %j', async (flags, message) => {
    await expect(
      program(new AbortController().signal).parseAsync(['node', 'stylecast', 'live', ...flags]),
    ).rejects.toThrow(message);
  });

  it('refuses a per-level alpha list', async () => {
    await expect(
      program(new AbortController().signal).parseAsync([
        'node',
        'stylecast',
        'live',
        '--alpha',
        '0.2,0.4',
      ]),
    ).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it('lists the page on every network address only when listening on all of them', () => {
    expect(networkUrls('http://127.0.0.1:8080/?token=a', '127.0.0.1')).toEqual([]);
    for (const url of networkUrls('http://127.0.0.1:8080/?token=a', '0.0.0.0')) {
      expect(url).toMatch(/^http:\/\/[\d.]+:8080\/\?token=a$/);
    }
  });

  it('normalises origins', () => {
    expect(parseOrigin('https://studio.example:8443/')).toBe('https://studio.example:8443');
    expect(() => parseOrigin('https://studio.example/path')).toThrow(RangeError);
    expect(() => parseOrigin('ftp://x')).toThrow(RangeError);
  });
});
