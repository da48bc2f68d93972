/**
 * `--input` for `stylecast live`: what a text names, and the ffmpeg input arguments that open it.
 *
 * - `webcam` — the platform's default camera: v4l2 `/dev/video0` on Linux, avfoundation device 0
 *   on macOS, the first DirectShow camera on Windows; `webcam:N` or `webcam:NAME` picks another.
 * - a device path (`/dev/video2`) — v4l2.
 * - an RTSP, RTMP, HTTP(S), SRT, UDP or TCP URL — a network stream.
 * - `testsrc` — ffmpeg's `testsrc2` pattern, for demos and tests.
 * - anything else — a file, played at its own rate (`-re`), looping with `loop`.
 */
import { ffmpegLog, spawnFfmpeg } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import { parseProbe } from './parse-probe.js';
import { assertReadableFile } from './probe.js';
import type { Size } from './working-size.js';

export type LiveSource =
  | { kind: 'webcam'; device?: string }
  | { kind: 'device'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'testsrc' }
  | { kind: 'file'; path: string };

const STREAM_SCHEMES = [
  'rtsp:',
  'rtsps:',
  'rtmp:',
  'rtmps:',
  'http:',
  'https:',
  'srt:',
  'udp:',
  'tcp:',
];

export function parseLiveSource(text: string): LiveSource {
  if (typeof text !== 'string') {
    throw new TypeError(`Expected \`input\` to be a string, got \`${typeof text}\``);
  }
  if (text.trim() === '') throw new RangeError('Expected `input` to name a source, got ``');
  if (text === 'webcam') return { kind: 'webcam' };
  if (text.startsWith('webcam:')) {
    const device = text.slice('webcam:'.length);
    if (!device) throw new RangeError(`Expected a camera after \`webcam:\`, got \`${text}\``);
    return { kind: 'webcam', device };
  }
  if (text === 'testsrc') return { kind: 'testsrc' };
  if (/^\/dev\/video\d+$/.test(text)) return { kind: 'device', path: text };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme) {
    if (!STREAM_SCHEMES.includes(`${scheme.toLowerCase()}:`)) {
      throw new RangeError(
        `Expected \`input\` to be an RTSP, RTMP, HTTP, SRT, UDP or TCP URL, got \`${text}\``,
      );
    }
    return { kind: 'url', url: text };
  }
  return { kind: 'file', path: text };
}

/** Whether the source is one that stops by itself only when something went wrong. */
export function isEndlessSource(source: LiveSource): boolean {
  return source.kind !== 'file';
}

export function describeLiveSource(source: LiveSource): string {
  switch (source.kind) {
    case 'webcam':
      return source.device ? `camera ${source.device}` : 'the default camera';
    case 'device':
      return source.path;
    case 'url':
      return source.url.replace(/\/\/[^@/]*@/, '//***@'); // never print credentials
    case 'testsrc':
      return 'the test pattern';
    case 'file':
      return source.path;
  }
}

export interface LiveInputOptions {
  platform?: NodeJS.Platform;
  /** Camera and test pattern rate; files and streams keep their own. */
  fps?: number;
  /** Test pattern size. */
  size?: Size;
  /** Play a file again from the start when it ends. */
  loop?: boolean;
  /** The DirectShow camera to use for a bare `webcam` on Windows (see `findDshowCamera`). */
  dshowCamera?: string;
}

/** The ffmpeg arguments (up to and including `-i`) that open a live source. */
export function liveInputArgs(source: LiveSource, options: LiveInputOptions = {}): string[] {
  const platform = options.platform ?? process.platform;
  const fps = options.fps;
  switch (source.kind) {
    case 'webcam':
      return webcamArgs(source.device, platform, fps, options.dshowCamera);
    case 'device':
      return ['-f', 'v4l2', ...(fps ? ['-framerate', String(fps)] : []), '-i', source.path];
    case 'url':
      return [
        '-fflags',
        'nobuffer',
        ...(/^rtsps?:/i.test(source.url) ? ['-rtsp_transport', 'tcp'] : []),
        '-i',
        source.url,
      ];
    case 'testsrc': {
      const { width, height } = options.size ?? { width: 1280, height: 720 };
      if (!Number.isFinite(width) || !Number.isFinite(height)) {
        throw new RangeError('Expected `size` to give both width and height for `testsrc`');
      }
      return ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps ?? 30}`];
    }
    case 'file':
      return ['-re', ...(options.loop ? ['-stream_loop', '-1'] : []), '-i', source.path];
  }
}

function webcamArgs(
  device: string | undefined,
  platform: NodeJS.Platform,
  fps: number | undefined,
  dshowCamera: string | undefined,
): string[] {
  if (platform === 'linux') {
    const path =
      device === undefined ? '/dev/video0' : /^\d+$/.test(device) ? `/dev/video${device}` : device;
    return ['-f', 'v4l2', ...(fps ? ['-framerate', String(fps)] : []), '-i', path];
  }
  if (platform === 'darwin') {
    // avfoundation refuses its own default rate (29.97) on most cameras: ask for a whole number.
    return ['-f', 'avfoundation', '-framerate', String(fps ?? 30), '-i', `${device ?? '0'}:none`];
  }
  if (platform === 'win32') {
    const name = device ?? dshowCamera;
    if (!name) {
      throw new StylecastError(
        'SOURCE_FAILED',
        'No DirectShow camera found; name one with --input "webcam:Camera Name"',
      );
    }
    return ['-f', 'dshow', ...(fps ? ['-framerate', String(fps)] : []), '-i', `video=${name}`];
  }
  throw new StylecastError(
    'SOURCE_FAILED',
    `No default camera on ${platform}; pass a device or URL to --input`,
  );
}

/** The video devices in `ffmpeg -list_devices true -f dshow -i dummy`'s log, in order. */
export function parseDshowCameras(log: string): string[] {
  const names: string[] = [];
  let inVideoSection = false;
  for (const line of log.split(/\r?\n/)) {
    // ffmpeg 5+ tags each device line `(video)`; older versions list them under a heading.
    if (/DirectShow video devices/.test(line)) inVideoSection = true;
    else if (/DirectShow audio devices/.test(line)) inVideoSection = false;
    const name = /\]\s+"([^"]+)"(?:\s+\((\w+(?:,\s*\w+)?)\))?\s*$/.exec(line);
    if (!name?.[1]) continue;
    const kinds = name[2];
    if (kinds ? kinds.includes('video') : inVideoSection) names.push(name[1]);
  }
  return names;
}

/** Asks DirectShow for its cameras; the first is the default `webcam` on Windows. */
export async function findDshowCamera(): Promise<string | undefined> {
  const { stderr } = await ffmpegLog(
    ['-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'],
    'listing DirectShow cameras',
  );
  return parseDshowCameras(stderr)[0];
}

/**
 * Size and rate of a live source, read from ffmpeg's log as it opens the source. Gives up after
 * `timeoutMs` (a silent network stream) with a `SOURCE_FAILED` error.
 */
export async function probeLiveSource(
  source: LiveSource,
  inputArgs: readonly string[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ width: number; height: number; fps: number }> {
  if (source.kind === 'file') await assertReadableFile(source.path);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const lines: string[] = [];
  // `-re` and looping only matter when frames are read; the probe reads none.
  const args: string[] = [];
  for (let i = 0; i < inputArgs.length; i++) {
    if (inputArgs[i] === '-re') continue;
    if (inputArgs[i] === '-stream_loop') i++;
    else args.push(inputArgs[i]!);
  }
  const run = spawnFfmpeg(args, {
    task: `opening ${describeLiveSource(source)}`,
    logLevel: 'info',
    signal,
    onStderrLine: (line) => lines.push(line),
  });
  await run.done.catch(() => {}); // with no output named, ffmpeg always exits 1 after probing
  const info = parseProbe(lines.join('\n'));
  if (!info) {
    if (options.signal?.aborted) throw new StylecastError('ABORTED', 'Stopped while probing');
    const reason = timeout.aborted
      ? 'no answer in time'
      : (lines.filter((line) => line.trim()).at(-1) ?? 'no video stream');
    throw new StylecastError(
      'SOURCE_FAILED',
      `Cannot open ${describeLiveSource(source)}: ${reason.trim()}`,
    );
  }
  return { width: info.width, height: info.height, fps: info.fps };
}
