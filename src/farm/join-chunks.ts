/**
 * Joins finished chunks into the output without re-encoding (ffmpeg's concat demuxer), adding the
 * source's audio once, under the output's temporary name; renamed only when it holds every frame
 * of every chunk (the concat demuxer stops quietly at a chunk it cannot read).
 */
import { unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutputFile } from '../encode/output-file.js';
import { audioArgs, outputFormat, type FormatChoice } from '../encode/output-formats.js';
import { countFrames } from '../decode/probe.js';
import { StylecastError } from '../errors.js';
import { spawnFfmpeg } from '../ffmpeg.js';

export interface JoinRequest extends FormatChoice {
  chunks: readonly { path: string; frames: number }[];
  fps: number;
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
  // Each chunk's duration is given: a container's own duration can end at its last frame's start,
  // which would overlap the next chunk by a frame.
  const list = request.chunks.map(
    (chunk) => `file ${quote(chunk.path)}\nduration ${(chunk.frames / request.fps).toFixed(6)}\n`,
  );
  await writeFile(request.listPath, list.join(''));
  const args = [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    request.listPath,
    ...audioArgs(format, request.audio),
    '-c:v',
    'copy',
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
    const expected = request.chunks.reduce((sum, chunk) => sum + chunk.frames, 0);
    const joined = await countFrames(request.output.tempPath, request.signal);
    if (joined !== expected)
      throw new StylecastError(
        'FARM_CHUNK_FAILED',
        `Joining ${request.chunks.length} chunks gave ${joined} of ${expected} frames: a chunk file in ${dirname(request.listPath)} changed during the join; no output was written`,
      );
    await request.output.commit();
  } catch (error) {
    await request.output.discard();
    throw error;
  } finally {
    await unlink(request.listPath).catch(() => {});
  }
}
