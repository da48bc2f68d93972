/**
 * Joins finished chunks into the output without re-encoding (ffmpeg's concat demuxer), adding the
 * source's audio once, under the output's temporary name; renamed only when complete.
 */
import { unlink, writeFile } from 'node:fs/promises';
import type { OutputFile } from '../encode/output-file.js';
import { outputFormat, type FormatChoice } from '../encode/output-format.js';
import { spawnFfmpeg } from '../ffmpeg.js';

export interface JoinRequest extends FormatChoice {
  chunks: readonly string[];
  output: OutputFile;
  /** The source whose first audio stream is kept, as a local render keeps it. */
  audio?: { path: string; codec: string | null };
  /** Where the concat list is written (beside the chunks). */
  listPath: string;
  signal?: AbortSignal;
}

const quote = (path: string): string => `'${path.replaceAll("'", "'\\''")}'`;

export async function joinChunks(request: JoinRequest): Promise<void> {
  const format = outputFormat(request.output.path, request);
  const { audio } = request;
  const copyAudio =
    audio?.codec != null &&
    (format.copyableAudio === 'any' || format.copyableAudio.includes(audio.codec));
  await writeFile(request.listPath, request.chunks.map((c) => `file ${quote(c)}\n`).join(''));
  const args = [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    request.listPath,
    ...(audio ? ['-i', audio.path, '-map', '0:v:0', '-map', '1:a:0?'] : ['-map', '0:v:0']),
    '-c:v',
    'copy',
    ...(audio ? (copyAudio ? ['-c:a', 'copy'] : format.audioEncoder) : []),
    ...format.extraArgs,
    '-f',
    format.muxer,
    '-y',
    request.output.tempPath,
  ];
  try {
    await spawnFfmpeg(args, {
      task: `joining ${request.chunks.length} chunks into ${request.output.path}`,
      signal: request.signal,
    }).done;
    await request.output.commit();
  } catch (error) {
    await request.output.discard();
    throw error;
  } finally {
    await unlink(request.listPath).catch(() => {});
  }
}
