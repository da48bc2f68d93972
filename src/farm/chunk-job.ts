/**
 * What a chunk job carries: everything a worker needs to stylize one frame range, with every
 * path relative to the farm folder. Workers validate it before they touch a file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VIDEO_EXTENSIONS } from '../encode/output-formats.js';
import { StylecastError } from '../errors.js';
import { SIDE_MAX } from '../options/options.js';

/** BullMQ queue names: chunk jobs, and the one assemble job per render that parents them. */
export const CHUNK_QUEUE = 'stylecast-chunks';
export const RENDER_QUEUE = 'stylecast-renders';

/** The stylecast version: a worker renders only jobs from the same version. */
export const STYLECAST_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const alpha = z.union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)]);
const relativePath = z.string().min(1).max(4096);

const scheduleImage = z.object({
  path: relativePath,
  field: z.string(),
  imageIndex: z.number().int().min(0),
  weight: z.number(),
});

const scheduleSchema = z.object({
  segments: z.array(
    z.object({
      index: z.number().int(),
      name: z.string().optional(),
      startMs: z.number(),
      endMs: z.number(),
      style: z.array(scheduleImage).nullable(),
      alpha,
      preserveColor: z.boolean(),
      transitionMs: z.number().min(0),
    }),
  ),
  images: z.array(relativePath),
  loop: z.boolean(),
  levels: z.number().int().optional(),
  transitionMs: z.number().min(0),
});

export const chunkJobSchema = z.object({
  version: z.string(),
  renderKey: z.string().regex(/^[0-9a-f]{16}$/),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  index: z.number().int().min(0),
  range: z.object({
    start: z.number().int().min(0),
    count: z.number().int().min(1),
    toEnd: z.boolean().optional(),
    seekS: z.number().min(0).optional(),
  }),
  input: relativePath,
  fps: z.number().positive(),
  // A worker allocates frames of this size: bounded as a local render's working size is.
  width: z.number().int().min(2).max(SIDE_MAX),
  height: z.number().int().min(2).max(SIDE_MAX),
  /** The output's extension and encoding choices: chunks are encoded as the output will be. */
  format: z.object({
    ext: z.enum(VIDEO_EXTENSIONS),
    lossless: z.boolean(),
    preset: z.string().regex(/^[a-z]+$/),
  }),
  model: z.object({ name: z.string(), digest: z.string() }),
  style: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('fixed'),
      images: z.array(z.object({ path: relativePath, weight: z.number().positive() })).min(1),
      alpha: alpha.optional(),
      preserveColor: z.boolean(),
    }),
    z.object({ kind: z.literal('schedule'), schedule: scheduleSchema }),
  ]),
});

export type ChunkJob = z.infer<typeof chunkJobSchema>;
export type FarmStyle = ChunkJob['style'];

/** What a worker returns for a chunk. */
export interface ChunkResult {
  frames: number;
  worker: string;
  /** The chunk file was already there (a rerun after a coordinator restart). */
  reused: boolean;
}

export function parseChunkJob(data: unknown): ChunkJob {
  const parsed = chunkJobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StylecastError(
      'FARM_JOB_INVALID',
      `Chunk job is malformed at \`${issue?.path.join('.') ?? '?'}\`: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}
