/**
 * Every option a library caller and the CLI share, defined once (define-option.ts): the flags are
 * built from these (src/cli/options.ts), a config file's values go through their parsers, and the
 * library's calls check their options against them. The option tables of README.md (the shared
 * options) and docs/live.md (live's) are checked against them by a test.
 */
import { parseCameraFormat, parseLiveSource, type LiveSource } from '../decode/live-source.js';
import { parseSizeOption, type Size } from '../decode/working-size.js';
import { DEFAULT_PRESET, X264_PRESETS } from '../encode/output-formats.js';
import { parsePublishTarget, PUBLISH_RULE } from '../publish/publish-target.js';
import { PRECISIONS } from '../infer/choose-precision.js';
import { DEVICES } from '../infer/execution-provider.js';
import { DEFAULT_MODEL } from '../infer/find-model.js';
import { parseStyleOption, type StyleChoice } from '../infer/parse-style-option.js';
import { VIEWER_CODEC_CHOICES } from '../stream/viewer-transports.js';
import { ALPHA_RULE, isStrength, isWeight, parseDecimal, WEIGHT_RULE } from '../style-values.js';
import {
  asOptionError,
  choiceOption,
  defineOption,
  expected,
  integerOption,
  positiveOption,
  shown,
  switchOption,
  textOption,
} from './define-option.js';

/**
 * Bounds that a 24 GB machine survives: `--batch 256` at 640x360 was seen peaking at 9.8 GB (about
 * 38 MB a frame), so 16 keeps even 1080p batches within a few GB; more threads or workers than
 * this only contend for the same cores.
 */
export const LIMITS = { workers: 64, threads: 64, batch: 16 } as const;
/** The largest side of any frame a run works at. */
export const SIDE_MAX = 8192;

/** `0.7` for every level, or `0.2,0.5,1` one per level. */
export function parseAlpha(text: string): number | number[] {
  const parts = text.split(',');
  const values = parts.map(parseDecimal);
  for (const [i, value] of values.entries()) {
    if (!isStrength(value)) throw expected('alpha', ALPHA_RULE, parts[i]!.trim());
  }
  return values.length === 1 ? values[0]! : values;
}

function checkSize(value: unknown): Size {
  const { width, height } = (value ?? {}) as Partial<Size>;
  const side = (n: unknown): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n >= 2 && n <= SIDE_MAX;
  if (typeof value !== 'object' || !side(height) || !(side(width) || width === Infinity)) {
    throw expected(
      'size',
      `{ width, height } of 2 to ${SIDE_MAX} pixels a side`,
      typeof value === 'object' ? `${shown(width)}x${shown(height)}` : value,
    );
  }
  return { width: width!, height: height! };
}

const BITRATE_MIN = 100_000;
const BITRATE_MAX = 100_000_000;
const BITRATE_RULE = `bits per second from ${BITRATE_MIN / 1000}k to ${BITRATE_MAX / 1e6}M`;

/** `3M`, `800k` or `2500000` (bits per second); NaN for anything else. */
export function parseBitrate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(text);
  if (!match) return NaN;
  const unit = { '': 1, k: 1e3, m: 1e6 }[match[2]!.toLowerCase()]!;
  return Math.round(Number(match[1]) * unit);
}

function checkBitrate(value: unknown, shownValue: unknown): number {
  if (typeof value !== 'number' || !(value >= BITRATE_MIN && value <= BITRATE_MAX))
    throw expected('bitrate', BITRATE_RULE, shownValue);
  return value;
}

const SOURCE_KINDS = new Set(['webcam', 'device', 'url', 'testsrc', 'file']);

export function parseOrigin(text: string): string {
  const rule = 'an origin like https://host:port';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw expected('allowOrigin', rule, text);
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== text.replace(/\/$/, '')
  )
    throw expected('allowOrigin', rule, text);
  return url.origin;
}

/** The options of the model and its inference pool (`openStylizer`, `InferencePool.open`). */
export const poolOptions = {
  model: textOption({
    name: 'model',
    short: 'm',
    argument: '<name|path>',
    description:
      'a shipped model (`paint`, `fast`), one in `~/.stylecast/models` (`STYLECAST_MODELS`), or a model folder',
    what: 'a model name or folder',
    default: DEFAULT_MODEL,
  }),
  device: choiceOption({
    name: 'device',
    short: 'd',
    argument: '<device>',
    description: 'execution provider; `auto` tries TensorRT, CUDA, WebGPU, then the CPU',
    choices: DEVICES,
    default: 'auto',
  }),
  precision: choiceOption({
    name: 'precision',
    argument: '<precision>',
    description:
      "which stylizer graph runs: fp32, the model's int8 variant (CPU only), or auto: int8 where it measured faster on this CPU",
    choices: PRECISIONS,
    default: 'auto',
  }),
  workers: integerOption({
    name: 'workers',
    description: 'inference worker threads',
    defaultText: 'one per core on the CPU (fewer with `threads`), one on a GPU',
    min: 1,
    max: LIMITS.workers,
  }),
  threads: integerOption({
    name: 'threads',
    description: 'ONNX Runtime threads per worker',
    defaultText: '1 (`image`: every core)',
    min: 1,
    max: LIMITS.threads,
  }),
};

/** The style a run starts with (`prepareStyle`). */
export const styleOptions = {
  style: defineOption<StyleChoice[]>({
    name: 'style',
    short: 's',
    argument: '<image[@weight]>',
    description: 'style image; repeat to blend, weighted by `@weight`',
    type: '{ path, weight }[]',
    defaultText: 'the bundled sample style',
    limit: `weights ${WEIGHT_RULE.replace(/^a number /, '')}`,
    parse: (text, previous) => [...(previous ?? []), asOptionError(() => parseStyleOption(text))],
    check: (value) => {
      if (!Array.isArray(value)) throw expected('style', 'a list of { path, weight }', value);
      return value.map((item: Partial<StyleChoice>) => {
        if (typeof item?.path !== 'string' || item.path === '')
          throw expected('style', 'a list of { path, weight }', item);
        if (!isWeight(item.weight ?? 1))
          throw expected(`weight of style \`${item.path}\``, WEIGHT_RULE, item.weight);
        return { path: item.path, weight: item.weight ?? 1 };
      });
    },
  }),
  alpha: defineOption<number | number[], number>({
    name: 'alpha',
    short: 'a',
    argument: '<0..1>',
    description: 'style strength: one number, or one per model level (0.2,0.6,1)',
    type: 'number | number[]',
    default: 1,
    limit: '0 to 1',
    parse: parseAlpha,
    check: (value) => {
      const values = Array.isArray(value) ? (value as unknown[]) : [value];
      for (const item of values) if (!isStrength(item)) throw expected('alpha', ALPHA_RULE, item);
      return value as number | number[];
    },
  }),
  preserveColor: switchOption({
    name: 'preserveColor',
    description: "keep the content's colours (the stylized luma with the source's chroma)",
  }),
};

const size = defineOption<Size>({
  name: 'size',
  argument: '<WxH|Np>',
  description: 'working size, aspect kept: 1280x720 fits inside, 720p sets the height',
  type: '{ width, height }',
  defaultText: "the source's size",
  limit: `2 to ${SIDE_MAX} a side`,
  parse: (text) => asOptionError(() => parseSizeOption(text)),
  check: checkSize,
});

/** A render's options (`planRender`, `renderVideo`, `renderImage`). */
export const renderOptions = {
  size,
  batch: integerOption({
    name: 'batch',
    description: 'frames per inference call',
    min: 1,
    max: LIMITS.batch,
    default: 1,
  }),
  lossless: switchOption({
    name: 'lossless',
    description: 'every pixel exact: FFV1 in Matroska (name the output .mkv)',
  }),
  preset: choiceOption({
    name: 'preset',
    description: 'x264 preset for H.264 outputs',
    choices: X264_PRESETS,
    default: DEFAULT_PRESET,
  }),
};

/** A live run's options (`startLive`). */
export const liveOptions = {
  input: defineOption<LiveSource, LiveSource>({
    name: 'input',
    short: 'i',
    argument: '<source>',
    description:
      'webcam[:N|:NAME], a device (/dev/video2), an RTSP/RTMP/HTTP/SRT URL, a file, or testsrc',
    type: 'LiveSource',
    default: parseLiveSource('webcam'),
    defaultText: 'webcam',
    parse: (text) => asOptionError(() => parseLiveSource(text)),
    check: (value) => {
      if (typeof value === 'string') return asOptionError(() => parseLiveSource(value));
      if (!SOURCE_KINDS.has((value as Partial<LiveSource> | null)?.kind ?? ''))
        throw expected('input', 'a source such as parseLiveSource returns', value);
      return value as LiveSource;
    },
  }),
  size: defineOption<Size | 'auto', Size | 'auto'>({
    ...size,
    argument: '<WxH|Np|auto>',
    description: `${size.description}; auto steps it down and up to keep up with the source`,
    type: "{ width, height } | 'auto'",
    default: 'auto',
    defaultText: undefined,
    parse: (text) => (text === 'auto' ? 'auto' : size.parse(text)),
    check: (value) => (value === 'auto' ? 'auto' : checkSize(value)),
  }),
  fps: positiveOption({
    name: 'fps',
    description: 'frame rate to capture at; a camera is asked for it',
    defaultText: "the source's own; 30 for testsrc",
    // Slower than a frame every 10 s is no live view (and 1e-9 would be a rate ffmpeg rounds to 0).
    min: 0.1,
    max: 240,
  }),
  cameraFormat: defineOption<string>({
    name: 'cameraFormat',
    argument: '<format>',
    description: 'pixel format or codec to ask a camera for: mjpeg, yuyv422, nv12, h264 …',
    type: 'string',
    defaultText: "the camera's choice",
    parse: (text) => asOptionError(() => parseCameraFormat(text)),
    check: (value) => asOptionError(() => parseCameraFormat(value as string)),
  }),
  loop: switchOption({
    name: 'loop',
    description: 'play a file input again from the start when it ends',
  }),
  retry: integerOption({
    name: 'retry',
    description: 'times to reopen a source that fails, ends or cannot be opened yet, with back-off',
    min: 0,
    max: 1_000_000,
    default: 0,
  }),
  host: textOption({
    name: 'host',
    argument: '<address>',
    description: 'address to listen on (0.0.0.0: every network)',
    what: 'an address to listen on',
    default: '127.0.0.1',
  }),
  port: integerOption({
    name: 'port',
    short: 'p',
    description: 'port to listen on (0: any free port)',
    min: 0,
    max: 65535,
    default: 8080,
  }),
  /** An empty token would start the server open to anyone while the user believes it is locked. */
  token: textOption({
    name: 'token',
    argument: '<secret>',
    description: 'require ?token=SECRET on the page and the socket',
    what: 'a non-empty secret',
    env: 'STYLECAST_TOKEN',
  }),
  allowOrigin: defineOption<string[]>({
    name: 'allowOrigin',
    argument: '<origin>',
    description: 'another web origin allowed to open the socket; repeatable',
    type: 'string[]',
    parse: (text, previous) => [...(previous ?? []), parseOrigin(text)],
    check: (value) => {
      if (!Array.isArray(value)) throw expected('allowOrigin', 'a list of origins', value);
      return value.map((item) => parseOrigin(item as string));
    },
  }),
  tlsCert: textOption({
    name: 'tlsCert',
    argument: '<file>',
    description: 'serve the page over HTTPS and the socket over WSS with this PEM certificate',
    what: 'a PEM certificate file',
  }),
  tlsKey: textOption({
    name: 'tlsKey',
    argument: '<file>',
    description: "the PEM private key of `--tls-cert`'s certificate",
    what: 'a PEM private key file',
  }),
  record: textOption({
    name: 'record',
    argument: '<file>',
    description: 'also record the stylized stream to a video file',
    what: 'a video file path',
  }),
  publish: defineOption<string[]>({
    name: 'publish',
    argument: '<url>',
    description:
      "also push the stylized stream (H.264, and the source's audio as AAC) to a media server: an rtmp://, rtmps:// or srt:// URL; repeatable",
    type: 'string[]',
    limit: 'rtmp://host/app/stream, rtmps://…, srt://host:port',
    parse: (text, previous) => [
      ...(previous ?? []),
      asOptionError(() => parsePublishTarget(text)).url,
    ],
    check: (value) => {
      if (!Array.isArray(value)) throw expected('publish', `a list of ${PUBLISH_RULE}s`, value);
      return value.map((item) => {
        if (typeof item !== 'string') throw expected('publish', PUBLISH_RULE, item);
        return asOptionError(() => parsePublishTarget(item)).url;
      });
    },
  }),
  mute: switchOption({
    name: 'mute',
    description: "publish the stylized video without the source's audio",
  }),
  publishCa: textOption({
    name: 'publishCa',
    argument: '<file>',
    description:
      "check rtmps:// servers' certificates against the CA certificates in this PEM file instead of the system's (a private CA, a self-signed server)",
    what: 'a PEM CA certificate file',
    defaultText: "the system's CAs",
  }),
  maxUpload: integerOption({
    name: 'maxUpload',
    argument: '<MiB>',
    description: 'largest style image a viewer may upload, in MiB',
    min: 1,
    max: 64,
    default: 8,
  }),
  quality: integerOption({
    name: 'quality',
    argument: '<1..100>',
    description: 'JPEG quality of the frames sent to viewers',
    min: 1,
    max: 100,
    default: 80,
  }),
  viewerCodec: choiceOption({
    name: 'viewerCodec',
    description:
      'how frames reach viewers: auto (H.264 where the browser decodes it, else JPEG), h264 or jpeg only',
    choices: VIEWER_CODEC_CHOICES,
    default: 'auto',
  }),
  bitrate: defineOption<number, number>({
    name: 'bitrate',
    argument: '<bits/s>',
    description: "cap of the viewers' H.264 stream, in bits per second (3M, 800k)",
    type: 'number',
    default: 3_000_000,
    defaultText: '3M',
    limit: `${BITRATE_MIN / 1000}k to ${BITRATE_MAX / 1e6}M`,
    parse: (text) => checkBitrate(parseBitrate(text), text),
    check: (value) => checkBitrate(value, value),
  }),
};
