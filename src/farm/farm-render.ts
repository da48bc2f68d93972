/**
 * The coordinator of a farm render: puts the input and style images into the farm folder (named
 * by content hash), plans exact frame ranges, enqueues them as a BullMQ flow (chunk jobs as
 * children of one assemble job), follows the farm's progress, and joins the finished chunks.
 * A chunk's key is its input, settings and range: a restarted render reuses chunks already done,
 * and renders of the same settings share them. Only whole chunks (see `chunk-record.ts`) are
 * joined, and only the last render holding a file (see `farm-holds.ts`) removes it.
 */
import { rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RenderPlan, RenderResult } from '../render/render-video.js';
import { keyframeTimes, seeksToKeyframes } from '../decode/keyframes.js';
import { DEFAULT_PRESET } from '../encode/output-formats.js';
import { refuseCutShort } from '../decode/promised-frames.js';
import { StylecastError } from '../errors.js';
import type { ModelFiles } from '../infer/load-model.js';
import type { Schedule } from '../schedule/schedule.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import { stylesOrDefault } from '../stylizer/default-style.js';
import { STYLECAST_VERSION, type ChunkJob, type ChunkResult, type FarmStyle } from './chunk-job.js';
import {
  removeChunk,
  removeUnfinished,
  sweepOldChunks,
  wholeChunk,
  type ChunkRecord,
} from './chunk-record.js';
import { hashText, modelDigest } from './content-hash.js';
import { checkFarmReachable, DEFAULT_FARM_WAIT_MS } from './farm-connection.js';
import { renderResource } from './farm-holds.js';
import { chunkPath } from './farm-paths.js';
import { FarmQueue } from './farm-queue.js';
import { joinChunks } from './join-chunks.js';
import { placeInFarm } from './place-in-farm.js';
import { planChunks } from './plan-chunks.js';

export interface FarmRenderOptions {
  farm: string;
  farmDir: string;
  chunkSeconds: number;
  model: ModelFiles;
  style: { style?: StyleChoice[]; alpha?: number | number[]; preserveColor?: boolean };
  schedule?: Schedule;
  /** How long a lost Redis is waited for before the render fails. */
  waitMs?: number;
  /** A PEM certificate authority for a `rediss://` farm. */
  caFile?: string;
  /** Tries per chunk before the render fails. */
  attempts?: number;
  signal?: AbortSignal;
  onProgress?: (progress: FarmProgress) => void;
}

export interface FarmProgress {
  frames: number;
  totalFrames: number;
  elapsedMs: number;
  workers: number;
}

export interface FarmRenderResult extends RenderResult {
  chunks: number;
  /** Chunks found already done (a restarted render). */
  reusedChunks: number;
  /** The workers that rendered chunks, by name. */
  workers: string[];
  /** Extra tries: failed attempts and stalled (killed) workers' chunks taken up again. */
  retries: number;
  /** Where the time went: preparing (hashing, copying, enqueueing), the chunks, the join. */
  phaseSeconds: { prepare: number; chunks: number; join: number };
}

const POLL_MS = 200;
const secondsBetween = (from: number, to: number): number => Math.round(to - from) / 1000;
/** How long a stopped or failed render waits for workers to drop its chunks, then leaves. */
const CANCEL_WAIT_MS = 15_000;

/** Where one chunk of the render stands. */
interface ChunkState {
  job: ChunkJob;
  /** Set once the chunk's file is whole. */
  record: ChunkRecord | null;
  /** Times its finished file was found damaged or gone, and it was sent to be rendered again. */
  rerenders: number;
  /** Extra tries its job took: failed attempts, and stalls (killed workers). */
  retries: number;
}

async function farmStyle(
  farmDir: string,
  options: FarmRenderOptions,
  hold: (name: string) => Promise<void>,
): Promise<FarmStyle> {
  if (options.schedule) {
    const images = await Promise.all(
      options.schedule.images.map((image) => placeInFarm(farmDir, 'styles', image, hold)),
    );
    return {
      kind: 'schedule',
      schedule: {
        ...options.schedule,
        images,
        segments: options.schedule.segments.map((segment) => ({
          ...segment,
          alpha: typeof segment.alpha === 'number' ? segment.alpha : [...segment.alpha],
          style:
            segment.style?.map((image) => ({ ...image, path: images[image.imageIndex]! })) ?? null,
        })),
      },
    };
  }
  const choices = stylesOrDefault(options.style.style);
  return {
    kind: 'fixed',
    images: await Promise.all(
      choices.map(async (choice) => ({
        path: await placeInFarm(farmDir, 'styles', choice.path, hold),
        weight: choice.weight,
      })),
    ),
    alpha: options.style.alpha,
    preserveColor: Boolean(options.style.preserveColor),
  };
}

async function checkFarmDir(farmDir: string): Promise<void> {
  const info = await stat(farmDir).catch(() => null);
  if (!info?.isDirectory())
    throw new StylecastError('FARM_DIR_MISMATCH', `Farm folder does not exist: ${farmDir}`);
}

export async function renderOnFarm(
  plan: RenderPlan,
  options: FarmRenderOptions,
): Promise<FarmRenderResult> {
  const started = performance.now();
  const { farmDir } = options;
  const { info, frameSize } = plan;
  await checkFarmReachable(options.farm, { caFile: options.caFile });
  await checkFarmDir(farmDir);
  await sweepOldChunks(farmDir);
  const attempts = options.attempts ?? 3;
  const queue = new FarmQueue({
    farm: options.farm,
    farmDir,
    waitMs: options.waitMs ?? DEFAULT_FARM_WAIT_MS,
    caFile: options.caFile,
    attempts,
  });
  /** What this render holds (files, its chunks): let go of, whatever the outcome, at the end. */
  const held: string[] = [];
  const hold = async (resource: string): Promise<void> => {
    await queue.hold([resource]);
    held.push(resource);
  };
  let chunks: ChunkState[] = [];
  let renderKey = '';
  let outcome: 'done' | 'failed' | 'useless' = 'failed';
  try {
    // Should one part fail, the keyframe reader stops too.
    const preparing = new AbortController();
    const [input, style, digest, keyframes] = await Promise.all([
      placeInFarm(farmDir, 'inputs', plan.input, hold),
      farmStyle(farmDir, options, hold),
      modelDigest(options.model),
      // Chunks are cut at keyframes where the file seeks to them exactly: none decodes a GOP it
      // would throw away.
      seeksToKeyframes(info.format)
        ? keyframeTimes(
            plan.input,
            info.startMs,
            options.signal ? AbortSignal.any([options.signal, preparing.signal]) : preparing.signal,
          )
        : Promise.resolve([]),
    ]).catch((error: unknown) => {
      preparing.abort();
      throw error;
    });
    const ext = extname(plan.output).toLowerCase() as ChunkJob['format']['ext'];
    const settings = {
      version: STYLECAST_VERSION,
      input,
      fps: info.fps,
      ...frameSize,
      format: { ext, lossless: Boolean(plan.lossless), preset: plan.preset ?? DEFAULT_PRESET },
      model: { name: options.model.card.name, digest },
      style,
    };
    renderKey = hashText(JSON.stringify(settings)).slice(0, 16);
    const ranges = planChunks(info.frameCount, info.fps, options.chunkSeconds, keyframes);
    const jobs: ChunkJob[] = ranges.map((range, index) => ({
      ...settings,
      renderKey,
      index,
      range,
      key: hashText(`${renderKey}:${range.start}:${range.count}${range.toEnd ? ':end' : ''}`),
    }));
    await hold(renderResource(renderKey));
    chunks = await Promise.all(
      jobs.map(async (job) => ({
        job,
        record: await wholeChunk(farmDir, job.key, job.range),
        rerenders: 0,
        retries: 0,
      })),
    );
    const reusedChunks = chunks.filter((chunk) => chunk.record).length;

    const renderId = `render-${renderKey}`;
    const existing = await queue.render(renderId);
    // A failed earlier run leaves its flow behind: start a fresh one (its done chunks are kept).
    if (existing && (await queue.ask(existing.getState())) === 'failed') {
      const ids = chunkIds(renderKey, chunks, attempts);
      if (!(await queue.remove(renderId, ids, performance.now() + CANCEL_WAIT_MS)))
        throw new StylecastError(
          'FARM_CHUNK_FAILED',
          `A failed earlier render of these settings still has a chunk on a worker; run it again once that worker lets go (within its --stall-seconds)`,
        );
    }
    // Another render of the same settings may be following the same flow: it is shared.
    if (!existing || !(await queue.render(renderId))) {
      await queue.addFlow(
        renderId,
        { renderKey, output: plan.output, chunks: jobs.length },
        chunks.flatMap((chunk) => (chunk.record ? [] : [{ id: jobIdOf(chunk), job: chunk.job }])),
      );
    }
    const enqueued = performance.now();
    const { workers, retries } = await followChunks(chunks, queue, {
      ...options,
      attempts,
      started,
      totalFrames: info.frameCount,
    });

    const rendered = performance.now();
    const counts = chunks.map((chunk) => chunk.record!.frames);
    const frames = counts.reduce((sum, count) => sum + count, 0);
    try {
      refuseCutShort(plan.input, info, frames); // as a local render would: no rerun mends it
    } catch (error) {
      outcome = 'useless';
      throw error;
    }
    await joinChunks({
      chunks: chunks.map((chunk, i) => ({
        path: chunkPath(farmDir, chunk.job.key),
        frames: counts[i]!,
      })),
      fps: info.fps,
      output: plan.outputFile,
      audio: info.hasAudio ? { path: plan.input, codec: info.audioCodec } : undefined,
      listPath: join(farmDir, 'chunks', `${renderKey}.${process.pid}.txt`),
      lossless: plan.lossless,
      preset: plan.preset,
      signal: options.signal,
    });
    outcome = 'done';
    const joined = performance.now();
    const seconds = (joined - started) / 1000;
    return {
      frames,
      seconds,
      fps: frames / seconds,
      ...frameSize,
      output: plan.outputFile.path,
      chunks: jobs.length,
      reusedChunks,
      workers: [...workers].sort(),
      retries,
      phaseSeconds: {
        prepare: secondsBetween(started, enqueued),
        chunks: secondsBetween(enqueued, rendered),
        join: secondsBetween(rendered, joined),
      },
    };
  } catch (error) {
    if (options.signal?.aborted)
      throw new StylecastError(
        'ABORTED',
        `Stopped; no output was written to ${plan.outputFile.path}`,
      );
    throw error;
  } finally {
    await letGo(queue, held, { farmDir, renderKey, chunks, outcome, attempts });
    await queue.close();
  }
}

/** A chunk's job id: its render and index, and how many times it was sent to be rendered again. */
function jobIdOf(chunk: ChunkState): string {
  const { renderKey, index } = chunk.job;
  return `${renderKey}-${index}${chunk.rerenders ? `-r${chunk.rerenders}` : ''}`;
}

/** Every job id the render's chunks can have had. */
function chunkIds(renderKey: string, chunks: readonly ChunkState[], attempts: number): string[] {
  return chunks.flatMap((_, i) =>
    Array.from({ length: attempts + 1 }, (_, n) => `${renderKey}-${i}${n ? `-r${n}` : ''}`),
  );
}

/**
 * Follows the chunks until every one is whole, checked again once all are: a chunk whose file is
 * damaged or gone after it finished is rendered again (up to `attempts` times), never joined.
 */
async function followChunks(
  chunks: ChunkState[],
  queue: FarmQueue,
  options: FarmRenderOptions & { attempts: number; started: number; totalFrames: number },
): Promise<{ workers: Set<string>; retries: number }> {
  const { farmDir, attempts } = options;
  const workers = new Set<string>();
  const range = ({ job }: ChunkState): string =>
    `Chunk ${job.index} (frames ${job.range.start}–${job.range.start + job.range.count - 1})`;
  const renderAgain = async (chunk: ChunkState): Promise<void> => {
    chunk.record = null;
    chunk.rerenders += 1;
    if (chunk.rerenders > attempts)
      throw new StylecastError(
        'FARM_CHUNK_FAILED',
        `${range(chunk)} was damaged or removed after it was finished, ${attempts} times: ${chunkPath(farmDir, chunk.job.key)}`,
      );
    await queue.addChunk(jobIdOf(chunk), chunk.job);
  };
  for (;;) {
    options.signal?.throwIfAborted();
    let frames = 0;
    for (const chunk of chunks) {
      if (chunk.record) {
        frames += chunk.record.frames;
        continue;
      }
      const entry = await queue.chunk(jobIdOf(chunk));
      if (!entry) {
        // Redis came back without it (restarted without its data): enqueued again, unless its
        // file was finished meanwhile.
        chunk.record = await wholeChunk(farmDir, chunk.job.key, chunk.job.range);
        if (chunk.record) continue;
        await queue.ask(queue.holds.renew());
        await queue.addChunk(jobIdOf(chunk), chunk.job);
        continue;
      }
      chunk.retries = Math.max(0, entry.attemptsMade - 1) + (entry.stalledCounter ?? 0);
      if (entry.failedReason && entry.finishedOn) {
        throw new StylecastError(
          'FARM_CHUNK_FAILED',
          `${range(chunk)} failed ${entry.attemptsMade} time(s), last ${entry.failedReason}`,
        );
      }
      if (entry.returnvalue) {
        chunk.record = await wholeChunk(farmDir, chunk.job.key, chunk.job.range);
        if (!chunk.record) {
          await renderAgain(chunk); // the worker finished it, and it is not whole now
          continue;
        }
        const result = entry.returnvalue as ChunkResult;
        if (!result.reused) workers.add(result.worker);
        frames += chunk.record.frames;
        continue;
      }
      if (typeof entry.progress === 'number') frames += entry.progress;
    }
    options.onProgress?.({
      frames,
      totalFrames: options.totalFrames,
      elapsedMs: performance.now() - options.started,
      workers: await queue.workerCount(),
    });
    if (chunks.every((chunk) => chunk.record)) {
      // Checked again just before the join: one damaged since it finished is rendered again.
      const whole = await Promise.all(
        chunks.map((chunk) => wholeChunk(farmDir, chunk.job.key, chunk.job.range)),
      );
      if (whole.every(Boolean)) {
        const retries = chunks.reduce((sum, chunk) => sum + chunk.retries + chunk.rerenders, 0);
        return { workers, retries };
      }
      for (const [i, chunk] of chunks.entries()) if (!whole[i]) await renderAgain(chunk);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Lets go of what the render held. What nobody else holds any more goes: the copies of the input
 * and style images; the render's queue entries (stopping the workers on its chunks) and unfinished
 * chunk files; and its finished chunks too, unless it failed (they stay for a rerun). Never throws:
 * how the render ended is what the caller reports. With Redis lost nothing can be let go of.
 */
async function letGo(
  queue: FarmQueue,
  held: readonly string[],
  state: {
    farmDir: string;
    renderKey: string;
    chunks: readonly ChunkState[];
    outcome: 'done' | 'failed' | 'useless';
    attempts: number;
  },
): Promise<void> {
  if (queue.lost || held.length === 0) return;
  const { farmDir, renderKey, chunks, outcome } = state;
  const deadline = performance.now() + CANCEL_WAIT_MS;
  try {
    const free = await queue.holds.release(held);
    const render = renderResource(renderKey);
    if (free.includes(render)) {
      await queue.remove(
        `render-${renderKey}`,
        chunkIds(renderKey, chunks, state.attempts),
        deadline,
      );
      const keys = chunks.map((chunk) => chunk.job.key);
      if (outcome !== 'failed') await Promise.all(keys.map((key) => removeChunk(farmDir, key)));
      await removeUnfinished(farmDir, keys);
    }
    const files = free.filter((resource) => resource !== render);
    await Promise.all(files.map((file) => rm(join(farmDir, file), { force: true })));
    await queue.holds.removed(free);
  } catch {
    // Redis went away meanwhile: the holds lapse on their own, the files stay for a rerun.
  }
}
