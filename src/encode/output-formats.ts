/**
 * Every file type a render writes, keyed by its extension: the one table from which the encoder's
 * arguments, the "unsupported output" messages, the farm's job schema and README.md's list of
 * formats are derived (remotion's `file-extensions.ts` keeps its codecs so). To add a format, add
 * its row here (and its codec to `VIDEO_CODECS` if it is a new one).
 */
import { extname } from 'node:path';
import { StylecastError } from '../errors.js';

/** x264's presets, fastest first (`--preset`). */
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;

export type X264Preset = (typeof X264_PRESETS)[number];

/** x264 'veryfast': what encodes 720p in step with a real-time model on two cores (npm run bench). */
export const DEFAULT_PRESET: X264Preset = 'veryfast';

type Size = { width: number; height: number };

/** How each codec is asked for: its name in messages, and its ffmpeg arguments. */
export const VIDEO_CODECS = {
  h264: {
    name: 'H.264',
    args: (size: Size, preset: string) => [
      '-c:v',
      'libx264',
      '-preset',
      preset,
      '-crf',
      '18',
      // 4:2:0 needs even sizes; an odd-sized source keeps its size in 4:4:4 instead of being cropped.
      '-pix_fmt',
      size.width % 2 === 0 && size.height % 2 === 0 ? 'yuv420p' : 'yuv444p',
    ],
  },
  vp9: {
    name: 'VP9',
    args: () => [
      '-c:v',
      'libvpx-vp9',
      '-b:v',
      '0',
      '-crf',
      '32',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-row-mt',
      '1',
      '-pix_fmt',
      'yuv420p',
    ],
  },
  /** Lossless: every pixel exact, in RGB (large files; for editing and tests). */
  ffv1: {
    name: 'FFV1',
    args: () => ['-c:v', 'ffv1', '-level', '3', '-pix_fmt', 'bgr0'],
  },
} as const;

type VideoCodec = keyof typeof VIDEO_CODECS;

const AAC = { name: 'AAC', encoder: ['-c:a', 'aac', '-b:a', '192k'] } as const;
const OPUS = { name: 'Opus', encoder: ['-c:a', 'libopus', '-b:a', '128k'] } as const;

interface VideoFormatRow {
  /** ffmpeg's muxer name (the temporary file name has no telling extension). */
  muxer: string;
  codec: VideoCodec;
  /** The codec of `lossless` outputs, where this container takes one. */
  losslessCodec?: VideoCodec;
  /** Audio codecs this container takes as they are; others are re-encoded to `audio`. */
  copyableAudio: readonly string[] | 'any';
  audio: { name: string; encoder: readonly string[] };
  /** Whether the source's audio is named in README's list (where it is re-encoded to one codec). */
  namesAudio?: boolean;
  extraArgs: readonly string[];
}

const MP4_LIKE = {
  codec: 'h264',
  copyableAudio: ['aac', 'mp3', 'alac'],
  audio: AAC,
  extraArgs: ['-movflags', '+faststart'],
} as const;

/** The video outputs, in the order messages list them. */
export const VIDEO_FORMATS = {
  '.mp4': { muxer: 'mp4', ...MP4_LIKE },
  '.m4v': { muxer: 'mp4', ...MP4_LIKE },
  '.mov': { muxer: 'mov', ...MP4_LIKE },
  '.mkv': {
    muxer: 'matroska',
    codec: 'h264',
    losslessCodec: 'ffv1',
    copyableAudio: 'any',
    audio: AAC,
    extraArgs: [],
  },
  '.webm': {
    muxer: 'webm',
    codec: 'vp9',
    copyableAudio: ['opus', 'vorbis'],
    audio: OPUS,
    namesAudio: true,
    extraArgs: [],
  },
} as const satisfies Record<string, VideoFormatRow>;

export type VideoExtension = keyof typeof VIDEO_FORMATS;
export const VIDEO_EXTENSIONS = Object.keys(VIDEO_FORMATS) as [VideoExtension, ...VideoExtension[]];

export type ImageWriter = 'png' | 'jpeg' | 'webp';

/** The still-image outputs (`stylecast image`), written by sharp; `.jpeg` is `.jpg`'s other name. */
export const IMAGE_FORMATS = {
  '.png': { writer: 'png' },
  '.jpg': { writer: 'jpeg' },
  '.jpeg': { writer: 'jpeg', alias: true },
  '.webp': { writer: 'webp' },
} as const satisfies Record<string, { writer: ImageWriter; alias?: boolean }>;

export const IMAGE_EXTENSIONS = Object.keys(IMAGE_FORMATS) as (keyof typeof IMAGE_FORMATS)[];

/** `.mp4, .m4v, .mov, .mkv or .webm` */
function listed(extensions: readonly string[]): string {
  if (extensions.length < 2) return extensions.join('');
  return `${extensions.slice(0, -1).join(', ')} or ${extensions.at(-1)}`;
}

/** How an output file is encoded, chosen by its extension. */
export interface OutputFormat {
  muxer: string;
  videoArgs: (size: Size) => string[];
  copyableAudio: readonly string[] | 'any';
  audioEncoder: string[];
  extraArgs: string[];
}

export interface FormatChoice {
  /** FFV1 in Matroska: every pixel kept exactly (large files; for editing and tests). */
  lossless?: boolean;
  /** x264 preset for H.264 outputs. */
  preset?: string;
}

export function outputFormat(path: string, choice: FormatChoice = {}): OutputFormat {
  const ext = extname(path).toLowerCase();
  const preset = choice.preset ?? DEFAULT_PRESET;
  const row: VideoFormatRow | undefined = VIDEO_FORMATS[ext as VideoExtension];
  if (choice.lossless && !row?.losslessCodec) {
    const lossless = VIDEO_EXTENSIONS.filter((e) => 'losslessCodec' in VIDEO_FORMATS[e]);
    throw new StylecastError(
      'OUTPUT_INVALID',
      `Lossless output is written as FFV1 in Matroska: name the output ${listed(lossless)}, got \`${ext || path}\``,
    );
  }
  if (!row) {
    throw new StylecastError(
      'OUTPUT_INVALID',
      `Unsupported output type \`${ext || path}\`: use ${listed(VIDEO_EXTENSIONS)}`,
    );
  }
  const codec = VIDEO_CODECS[choice.lossless ? row.losslessCodec! : row.codec];
  return {
    muxer: row.muxer,
    videoArgs: (size) => [...codec.args(size, preset)],
    copyableAudio: row.copyableAudio,
    audioEncoder: [...row.audio.encoder],
    extraArgs: [...row.extraArgs],
  };
}

/** The image output's sharp writer; refuses any other extension, naming the ones it takes. */
export function imageFormat(path: string): (typeof IMAGE_FORMATS)[keyof typeof IMAGE_FORMATS] {
  const ext = extname(path).toLowerCase();
  const row = IMAGE_FORMATS[ext as keyof typeof IMAGE_FORMATS];
  if (row) return row;
  const named = IMAGE_EXTENSIONS.filter((e) => !('alias' in IMAGE_FORMATS[e]));
  throw new StylecastError(
    'OUTPUT_INVALID',
    `Unsupported image output \`${ext || path}\`: use ${listed(named)}`,
  );
}

/**
 * The formats in words, for README.md's option table (a test compares them):
 * `.mp4 .m4v .mov` (H.264), `.mkv` (H.264, or FFV1 with `--lossless`), `.webm` (VP9 + Opus);
 * images `.png .jpg .webp`.
 */
export function describeOutputFormats(): string {
  const groups = new Map<string, string[]>();
  for (const ext of VIDEO_EXTENSIONS) {
    const row: VideoFormatRow = VIDEO_FORMATS[ext];
    const codec = VIDEO_CODECS[row.codec].name;
    const audio = row.namesAudio ? ` + ${row.audio.name}` : '';
    const lossless = row.losslessCodec
      ? `, or ${VIDEO_CODECS[row.losslessCodec].name} with \`--lossless\``
      : '';
    const what = `${codec}${audio}${lossless}`;
    groups.set(what, [...(groups.get(what) ?? []), ext]);
  }
  const videos = [...groups].map(([what, exts]) => `\`${exts.join(' ')}\` (${what})`);
  const images = IMAGE_EXTENSIONS.filter((e) => !('alias' in IMAGE_FORMATS[e]));
  return `${videos.join(', ')}; images \`${images.join(' ')}\``;
}

/**
 * The arguments that add input 1's first audio stream (if any) to input 0's video: copied where
 * the container takes its codec, else re-encoded.
 */
export function audioArgs(
  format: OutputFormat,
  audio: { path: string; codec: string | null } | undefined,
): string[] {
  if (!audio) return ['-map', '0:v:0'];
  const copy =
    audio.codec != null &&
    (format.copyableAudio === 'any' || format.copyableAudio.includes(audio.codec));
  return [
    '-i',
    audio.path,
    '-map',
    '0:v:0',
    '-map',
    '1:a:0?',
    ...(copy ? ['-c:a', 'copy'] : format.audioEncoder),
  ];
}
