/** How an output file is encoded, chosen by its extension. */
import { extname } from 'node:path';
import { StylecastError } from '../errors.js';

export interface OutputFormat {
  /** ffmpeg's muxer name (the temporary file name has no telling extension). */
  muxer: string;
  videoArgs: (size: { width: number; height: number }) => string[];
  /** Audio codecs this container takes as they are; others are re-encoded to `audioEncoder`. */
  copyableAudio: readonly string[] | 'any';
  audioEncoder: string[];
  extraArgs: string[];
}

/** x264 'veryfast': what encodes 720p in step with a real-time model on two cores (npm run bench). */
const h264 =
  (preset: string) =>
  ({ width, height }: { width: number; height: number }): string[] => [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-crf',
    '18',
    // 4:2:0 needs even sizes; an odd-sized source keeps its size in 4:4:4 instead of being cropped.
    '-pix_fmt',
    width % 2 === 0 && height % 2 === 0 ? 'yuv420p' : 'yuv444p',
  ];

const AAC = ['-c:a', 'aac', '-b:a', '192k'];

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

export interface FormatChoice {
  /** FFV1 in Matroska: every pixel kept exactly (large files; for editing and tests). */
  lossless?: boolean;
  /** x264 preset for H.264 outputs. */
  preset?: string;
}

export function outputFormat(path: string, choice: FormatChoice = {}): OutputFormat {
  const ext = extname(path).toLowerCase();
  const preset = choice.preset ?? 'veryfast';
  if (choice.lossless && ext !== '.mkv') {
    throw new StylecastError(
      'OUTPUT_INVALID',
      `Lossless output is written as FFV1 in Matroska: name the output .mkv, got \`${ext || path}\``,
    );
  }
  switch (ext) {
    case '.mp4':
    case '.m4v':
    case '.mov':
      return {
        muxer: ext === '.mov' ? 'mov' : 'mp4',
        videoArgs: h264(preset),
        copyableAudio: ['aac', 'mp3', 'alac'],
        audioEncoder: AAC,
        extraArgs: ['-movflags', '+faststart'],
      };
    case '.mkv':
      return {
        muxer: 'matroska',
        videoArgs: choice.lossless
          ? () => ['-c:v', 'ffv1', '-level', '3', '-pix_fmt', 'bgr0']
          : h264(preset),
        copyableAudio: 'any',
        audioEncoder: AAC,
        extraArgs: [],
      };
    case '.webm':
      return {
        muxer: 'webm',
        videoArgs: () => [
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
        copyableAudio: ['opus', 'vorbis'],
        audioEncoder: ['-c:a', 'libopus', '-b:a', '128k'],
        extraArgs: [],
      };
    default:
      throw new StylecastError(
        'OUTPUT_INVALID',
        `Unsupported output type \`${ext || path}\`: use .mp4, .mov, .m4v, .mkv or .webm`,
      );
  }
}
