/**
 * A worker's part of a farm render: one frame range decoded (from the keyframe before, exactly
 * its frames), stylized with the local pool, and encoded as the final output will be into a NUT
 * file in the farm folder (exact timestamps, so chunks join without drift). Written under a
 * temporary name, recorded (frames, bytes: see `chunk-record.ts`) and renamed when complete.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeFrames } from '../decode/decode-frames.js';
import { prepareOutput } from '../encode/output-file.js';
import { outputFormat } from '../encode/output-formats.js';
import { VideoEncoder } from '../encode/video-encoder.js';
import { StylecastError } from '../errors.js';
import { framesPerCall } from '../render/frames-per-call.js';
import { stylizeFrames } from '../render/stylize-frames.js';
import type { Schedule } from '../schedule/schedule.js';
import { prepareStyle, scheduleStyle } from '../stylizer/prepare-style.js';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { StyleForFrame } from '../types.js';
import type { ChunkJob } from './chunk-job.js';
import { writeChunkRecord } from './chunk-record.js';
import { chunkPath, existingInsideFarm } from './farm-paths.js';

export interface RenderChunkOptions {
  farmDir: string;
  stylizer: Stylizer;
  batchSize?: number;
  signal: AbortSignal;
  onProgress?: (frames: number) => void;
}

async function styleForJob(job: ChunkJob, options: RenderChunkOptions): Promise<StyleForFrame> {
  const { farmDir, stylizer } = options;
  if (job.style.kind === 'fixed') {
    const style = await prepareStyle(stylizer, {
      style: await Promise.all(
        job.style.images.map(async (image, i) => ({
          path: await existingInsideFarm(farmDir, image.path, `style.images.${i}.path`),
          weight: image.weight,
        })),
      ),
      alpha: job.style.alpha,
      preserveColor: job.style.preserveColor,
    });
    return () => style;
  }
  const given = job.style.schedule;
  const images = await Promise.all(
    given.images.map((image, i) => existingInsideFarm(farmDir, image, `schedule.images.${i}`)),
  );
  const schedule: Schedule = {
    ...given,
    levels: given.levels,
    images,
    segments: given.segments.map((segment) => ({
      ...segment,
      name: segment.name,
      style:
        segment.style?.map((image) => {
          const path = images[image.imageIndex];
          if (path === undefined)
            throw new StylecastError(
              'FARM_JOB_INVALID',
              `Schedule image ${image.field} has no file`,
            );
          return { ...image, path };
        }) ?? null,
    })),
  };
  return scheduleStyle(stylizer, schedule);
}

/** Renders `job` into its chunk file and returns the number of frames written. */
export async function renderChunk(job: ChunkJob, options: RenderChunkOptions): Promise<number> {
  const { farmDir, stylizer, signal } = options;
  const input = await existingInsideFarm(farmDir, job.input, 'input');
  const styleFor = await styleForJob(job, options);
  const path = chunkPath(farmDir, job.key);
  await mkdir(dirname(path), { recursive: true });
  const prepared = await prepareOutput(path, [], { shared: true });
  let frames = 0;
  // The record is written before the rename: a chunk file in place always has one.
  const output = {
    ...prepared,
    commit: async () => {
      await writeChunkRecord(farmDir, job.key, prepared.tempPath, frames);
      await prepared.commit();
    },
  };
  const choice = { lossless: job.format.lossless, preset: job.format.preset };
  const encoder = VideoEncoder.open({
    output,
    width: job.width,
    height: job.height,
    fps: job.fps,
    format: { ...outputFormat(`chunk${job.format.ext}`, choice), muxer: 'nut', extraArgs: [] },
    signal,
  });
  try {
    let written = 0;
    frames = await stylizeFrames({
      frames: decodeFrames({
        inputArgs: ['-i', input],
        width: job.width,
        height: job.height,
        fps: job.fps,
        label: job.input,
        strict: true,
        range: job.range,
        signal,
      }),
      stylizer,
      styleFor,
      batchSize: framesPerCall(options.batchSize ?? 1, job),
      firstIndex: job.range.start,
      signal,
      write: async (frame) => {
        await encoder.write(frame);
        written += 1;
        options.onProgress?.(written);
      },
    });
    // The last chunk runs to the end: its count is the probe's estimate.
    if (job.range.toEnd ? frames === 0 : frames !== job.range.count) {
      throw new StylecastError(
        'INPUT_CORRUPT',
        `${job.input} gave ${frames} of the ${job.range.count} frames from frame ${job.range.start}`,
      );
    }
    await encoder.finish();
    return frames;
  } catch (error) {
    await encoder.abort();
    // The chunk's record, like the chunk, lives in the farm folder: a full disk is named as one.
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new StylecastError(
        'OUTPUT_WRITE_FAILED',
        `Disk full while writing ${path} (at frame ${encoder.framesWritten})`,
        { cause: error },
      );
    throw error;
  }
}
