/**
 * `--input` for `stylecast live`: what a text names, and the ffmpeg input arguments that open it.
 *
 * - `webcam` — the platform's default camera: v4l2 `/dev/video0` on Linux, avfoundation device 0
 *   on macOS, the first DirectShow camera on Windows; `webcam:N` or `webcam:NAME` picks another.
 * - a device path (`/dev/video2`) — v4l2.
 * - an RTSP, RTMP, HTTP(S), SRT, UDP or TCP URL — a network stream.
 * - `testsrc` — ffmpeg's `testsrc2` pattern, for demos and tests.
 * - anything else — a file, played at its own rate (`-re`), looping with `loop`.
 *
 * A camera (`webcam` or a device) is asked for the capture size, rate and pixel format given
 * (`CameraRequest`), so it delivers them itself instead of being scaled afterwards.
 */
import { ffmpegFile, ffmpegLog, spawnFfmpeg } from '../ffmpeg.js';
import { StylecastError } from '../errors.js';
import { parseProbe } from './parse-probe.js';
import { assertReadableFile } from './probe.js';
import { SIZE_720P, type Size } from './working-size.js';

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

/** Whether the source is a camera: one that can be asked for a size, rate and pixel format. */
export function isCamera(source: LiveSource): boolean {
  return source.kind === 'webcam' || source.kind === 'device';
}

/**
 * `--camera-format`: the pixel format or codec a camera should deliver (`mjpeg`, `yuyv422`,
 * `nv12`, `h264` …), as ffmpeg names it; which ones a camera offers is the camera's business.
 */
export function parseCameraFormat(text: string): string {
  if (typeof text !== 'string') {
    throw new TypeError(`Expected \`camera-format\` to be a string, got \`${typeof text}\``);
  }
  const format = text.trim().toLowerCase();
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(format)) {
    throw new RangeError(
      `Expected \`camera-format\` to be a format name like mjpeg or yuyv422, got \`${text}\``,
    );
  }
  return format;
}

/** Compressed formats that DirectShow selects as a codec (`-vcodec`), not a pixel format. */
const DSHOW_CODECS = new Set(['mjpeg', 'h264', 'hevc']);

/** What a camera is asked to deliver; anything absent is left to the camera. */
export interface CameraRequest {
  /** Capture size; asked for only when both sides are given (`1280x720`, not `720p`). */
  size?: Size;
  fps?: number;
  /** Pixel format or codec (`parseCameraFormat`). */
  format?: string;
}

/** `1280x720 at 30 fps in mjpeg`, for error messages; undefined when nothing was asked. */
export function describeCameraRequest(request: CameraRequest): string | undefined {
  const size = fullSize(request.size);
  const parts = [
    size ? `${size.width}x${size.height}` : undefined,
    request.fps ? `at ${request.fps} fps` : undefined,
    request.format ? `in ${request.format}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function fullSize(size: Size | undefined): Size | undefined {
  return size && Number.isFinite(size.width) && Number.isFinite(size.height) ? size : undefined;
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
  /** Test pattern size, and the size a camera is asked for. */
  size?: Size;
  /** The pixel format or codec a camera is asked for (cameras only). */
  cameraFormat?: string;
  /** Play a file again from the start when it ends. */
  loop?: boolean;
  /** The DirectShow camera to use for a bare `webcam` on Windows (see `findDshowCamera`). */
  dshowCamera?: string;
}

/** The ffmpeg arguments (up to and including `-i`) that open a live source. */
export function liveInputArgs(source: LiveSource, options: LiveInputOptions = {}): string[] {
  const platform = options.platform ?? process.platform;
  const fps = options.fps;
  if (options.cameraFormat !== undefined && !isCamera(source)) {
    throw new RangeError(
      `\`camera-format\` applies to a camera (webcam or /dev/videoN), not ${describeLiveSource(source)}`,
    );
  }
  const camera: CameraRequest = { size: options.size, fps, format: options.cameraFormat };
  switch (source.kind) {
    case 'webcam':
      return webcamArgs(source.device, platform, camera, options.dshowCamera);
    case 'device':
      return [...v4l2Request(camera), '-i', source.path];
    case 'url':
      return [
        '-fflags',
        'nobuffer',
        ...(/^rtsps?:/i.test(source.url) ? ['-rtsp_transport', 'tcp'] : []),
        '-i',
        source.url,
      ];
    case 'testsrc': {
      const { width, height } = options.size ?? SIZE_720P;
      if (!Number.isFinite(width) || !Number.isFinite(height)) {
        throw new RangeError('Expected `size` to give both width and height for `testsrc`');
      }
      return ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps ?? 30}`];
    }
    case 'file':
      return [
        '-re',
        ...(options.loop ? ['-stream_loop', '-1'] : []),
        '-i',
        ffmpegFile(source.path),
      ];
  }
}

const sizeArgs = (size: Size | undefined): string[] => {
  const full = fullSize(size);
  return full ? ['-video_size', `${full.width}x${full.height}`] : [];
};

// There is no camera on the machines that run the tests: these arguments are unit-tested as
// arguments, and each is the option the ffmpeg device documents for the purpose.

/** v4l2: `-video_size`, `-framerate`, `-input_format` (`mjpeg`, `yuyv422`, `h264` …). */
function v4l2Request({ size, fps, format }: CameraRequest): string[] {
  return [
    '-f',
    'v4l2',
    ...sizeArgs(size),
    ...(fps ? ['-framerate', String(fps)] : []),
    ...(format ? ['-input_format', format] : []),
  ];
}

function webcamArgs(
  device: string | undefined,
  platform: NodeJS.Platform,
  camera: CameraRequest,
  dshowCamera: string | undefined,
): string[] {
  const { size, fps, format } = camera;
  if (platform === 'linux') {
    const path =
      device === undefined ? '/dev/video0' : /^\d+$/.test(device) ? `/dev/video${device}` : device;
    return [...v4l2Request(camera), '-i', path];
  }
  if (platform === 'darwin') {
    // avfoundation refuses its own default rate (29.97) on most cameras: ask for a whole number.
    return [
      '-f',
      'avfoundation',
      ...sizeArgs(size),
      '-framerate',
      String(fps ?? 30),
      ...(format ? ['-pixel_format', format] : []),
      '-i',
      `${device ?? '0'}:none`,
    ];
  }
  if (platform === 'win32') {
    const name = device ?? dshowCamera;
    if (!name) {
      throw new StylecastError(
        'SOURCE_FAILED',
        'No DirectShow camera found; name one with --input "webcam:Camera Name"',
      );
    }
    return [
      '-f',
      'dshow',
      ...sizeArgs(size),
      ...(fps ? ['-framerate', String(fps)] : []),
      ...(format ? [DSHOW_CODECS.has(format) ? '-vcodec' : '-pixel_format', format] : []),
      '-i',
      `video=${name}`,
    ];
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
 * Size and rate of a live source, and whether it has audio, read from ffmpeg's log as it opens the
 * source. Gives up after `timeoutMs` (a silent network stream) with a `SOURCE_FAILED` error.
 */
export async function probeLiveSource(
  source: LiveSource,
  inputArgs: readonly string[],
  options: {
    timeoutMs?: number;
    signal?: AbortSignal;
    /** What a camera was asked for, named in the error when it refuses. */
    camera?: CameraRequest;
  } = {},
): Promise<{ width: number; height: number; fps: number; hasAudio: boolean }> {
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
    const asked =
      options.camera && isCamera(source) ? describeCameraRequest(options.camera) : undefined;
    throw new StylecastError(
      'SOURCE_FAILED',
      `Cannot open ${describeLiveSource(source)}${asked ? ` (asked for ${asked})` : ''}: ${reason.trim()}`,
    );
  }
  return { width: info.width, height: info.height, fps: info.fps, hasAudio: info.hasAudio };
}
