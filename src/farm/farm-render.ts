/**
 * The coordinator of a farm render: puts the input and style images into the farm folder (named
 * by content hash), plans exact frame ranges, enqueues them as a BullMQ flow (chunk jobs as
 * children of one assemble job), follows the farm's progress, and joins the finished chunks.
 * A chunk's key is its input, settings and range: a restarted render reuses chunks already done.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FlowProducer, Queue, type Job } from 'bullmq';
import { SAMPLE_STYLE } from '../cli/open-stylizer.js';
import type { RenderPlan, RenderResult } from '../pipeline/render-video.js';
import { keyframeTimes, seeksToKeyframes } from '../decode/keyframes.js';
import { probeMedia } from '../decode/probe.js';
import { refuseCutShort } from '../decode/promised-frames.js';
import { StylecastError } from '../errors.js';
import type { ModelFiles } from '../infer/load-model.js';
import type { Schedule } from '../schedule/schedule.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import {
  CHUNK_QUEUE,
  RENDER_QUEUE,
  STYLECAST_VERSION,
  type ChunkJob,
  type ChunkResult,
  type FarmStyle,
} from './chunk-job.js';
import { hashText, modelDigest } from './content-hash.js';
import {
  checkFarmReachable,
  DEFAULT_FARM_WAIT_MS,
  describeFarm,
  farmRedisOptions,
} from './farm-connection.js';
import { chunkPath } from './farm-paths.js';
import { joinChunks } from './join-chunks.js';
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
const CLOSE_WAIT_MS = 5000;

/** Tells apart the temporary files of copies made at once (style images of the same name). */
let copies = 0;

/**
 * Copies `path` into the farm folder as `folder/<hash><ext>`, hashing it on the way (one read);
 * renamed into place only when complete. Where that content is already there, the file in place
 * is kept (workers of another render may be reading it) and the copy is dropped.
 */
async function placeInFarm(farmDir: string, folder: string, path: string): Promise<string> {
  await mkdir(join(farmDir, folder), { recursive: true });
  const temp = join(farmDir, folder, `.${process.pid}.${++copies}.${basename(path)}.partial`);
  const hash = createHash('sha256');
  try {
    await pipeline(
      createReadStream(path),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    );
    const name = `${folder}/${hash.digest('hex')}${extname(path).toLowerCase()}`;
    const placed = await stat(join(farmDir, name)).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!placed) await rename(temp, join(farmDir, name));
    return name;
  } finally {
    await rm(temp, { force: true });
  }
}

async function farmStyle(farmDir: string, options: FarmRenderOptions): Promise<FarmStyle> {
  if (options.schedule) {
    const images = await Promise.all(
      options.schedule.images.map((image) => placeInFarm(farmDir, 'styles', image)),
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
  const choices = options.style.style?.length
    ? options.style.style
    : [{ path: SAMPLE_STYLE, weight: 1 }];
  return {
    kind: 'fixed',
    images: await Promise.all(
      choices.map(async (choice) => ({
        path: await placeInFarm(farmDir, 'styles', choice.path),
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
  const { farmDir, info, frameSize } = { ...plan, farmDir: options.farmDir };
  await checkFarmReachable(options.farm, { caFile: options.caFile });
  await checkFarmDir(farmDir);

  // Should one part fail, the keyframe reader stops too.
  const preparing = new AbortController();
  const [input, style, digest, keyframes] = await Promise.all([
    placeInFarm(farmDir, 'inputs', plan.input),
    farmStyle(farmDir, options),
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
    format: { ext, lossless: Boolean(plan.lossless), preset: plan.preset ?? 'veryfast' },
    model: { name: options.model.card.name, digest },
    style,
  };
  const renderKey = hashText(JSON.stringify(settings)).slice(0, 16);
  const ranges = planChunks(info.frameCount, info.fps, options.chunkSeconds, keyframes);
  const jobs: ChunkJob[] = ranges.map((range, index) => ({
    ...settings,
    renderKey,
    index,
    range,
    key: hashText(`${renderKey}:${range.start}:${range.count}${range.toEnd ? ':end' : ''}`),
  }));
  const paths = jobs.map((job) => chunkPath(farmDir, job.key));
  const isDone = (i: number): Promise<boolean> =>
    stat(paths[i]!).then(
      () => true,
      () => false,
    );

  const waitMs = options.waitMs ?? DEFAULT_FARM_WAIT_MS;
  let gaveUp = false;
  const connection = farmRedisOptions(options.farm, {
    waitMs,
    caFile: options.caFile,
    onGiveUp: () => (gaveUp = true),
  });
  const chunkQueue = new Queue(CHUNK_QUEUE, { connection });
  const renderQueue = new Queue(RENDER_QUEUE, { connection });
  const flows = new FlowProducer({ connection });
  // A lost connection is reported by the command that fails, below, not as an 'error' event.
  const ignore = (): void => {};
  chunkQueue.on('error', ignore);
  renderQueue.on('error', ignore);
  flows.on('error', ignore);
  /** `command`, with a failure turned into the one line that says Redis was lost. */
  const ask = <T>(command: Promise<T>): Promise<T> =>
    command.catch((error: Error) => {
      const why = gaveUp ? `no answer for ${waitMs / 1000} s` : error.message;
      throw new StylecastError(
        'FARM_UNREACHABLE',
        `Lost the farm's Redis at ${describeFarm(options.farm)} during the render: ${why}; chunks done so far stay in ${farmDir} for a rerun`,
        { cause: error },
      );
    });
  const jobId = (i: number): string => `${renderKey}-${i}`;
  const renderId = `render-${renderKey}`;
  const removeRender = (): Promise<void> =>
    renderQueue
      .getJob(renderId)
      .then((job) => job?.remove({ removeChildren: true }))
      .catch(() => {});
  const attempts = options.attempts ?? 3;
  const done = await Promise.all(jobs.map((_, i) => isDone(i)));
  const reusedChunks = done.filter(Boolean).length;
  /** The render's flow: one assemble job, the chunks not yet done as its children. */
  const addFlow = (): Promise<unknown> =>
    ask(
      flows.add({
        name: 'assemble',
        queueName: RENDER_QUEUE,
        opts: { jobId: renderId },
        data: { renderKey, output: plan.output, chunks: jobs.length },
        children: jobs.flatMap((job, i) =>
          done[i]
            ? []
            : [
                {
                  name: 'chunk',
                  queueName: CHUNK_QUEUE,
                  data: job,
                  opts: {
                    jobId: jobId(i),
                    attempts,
                    failParentOnFailure: true,
                    removeOnComplete: false,
                    removeOnFail: false,
                  },
                },
              ],
        ),
      }),
    );
  try {
    let existing = await ask(renderQueue.getJob(renderId));
    // A failed earlier run leaves its flow behind: start a fresh one (its done chunks are kept).
    if (existing && (await ask(existing.getState())) === 'failed') {
      await ask(existing.remove({ removeChildren: true }));
      existing = undefined;
    }
    if (!existing) await addFlow();
    const enqueued = performance.now();

    const workers = new Set<string>();
    let retries = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      let frames = 0;
      let finished = 0;
      retries = 0;
      let missing = false;
      for (const [i, job] of jobs.entries()) {
        if (done[i]) {
          frames += job.range.count;
          finished += 1;
          continue;
        }
        const entry: Job | undefined = await ask(chunkQueue.getJob(jobId(i)));
        if (!entry) {
          missing = true;
          continue;
        }
        retries += Math.max(0, (entry?.attemptsMade ?? 1) - 1) + (entry?.stalledCounter ?? 0);
        if (entry?.failedReason && entry.finishedOn) {
          await removeRender(); // its chunks done so far stay for a rerun
          throw new StylecastError(
            'FARM_CHUNK_FAILED',
            `Chunk ${i} (frames ${job.range.start}–${job.range.start + job.range.count - 1}) failed ${entry.attemptsMade} time(s), last ${entry.failedReason}`,
          );
        }
        if (entry?.returnvalue && (await isDone(i))) {
          const result = entry.returnvalue as ChunkResult;
          if (!result.reused) workers.add(result.worker);
          done[i] = true;
          frames += job.range.count;
          finished += 1;
          continue;
        }
        if (typeof entry?.progress === 'number') frames += entry.progress;
      }
      if (missing) {
        // Redis came back without the render's jobs (restarted without its data): enqueue the
        // chunks not done again; the chunk files finished meanwhile are kept.
        for (const i of jobs.keys()) done[i] ||= await isDone(i);
        await removeRender();
        await addFlow();
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      const workerCount = await ask(chunkQueue.getWorkersCount());
      options.onProgress?.({
        frames,
        totalFrames: info.frameCount,
        elapsedMs: performance.now() - started,
        workers: workerCount,
      });
      if (finished === jobs.length) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }

    const rendered = performance.now();
    // The last chunk ran to the end of the file: what it holds is counted (a stream copy).
    const lastFrames = (await probeMedia(paths.at(-1)!, { countFrames: true })).frameCount;
    const counts = jobs.map((job, i) => (i === jobs.length - 1 ? lastFrames : job.range.count));
    const frames = counts.reduce((sum, count) => sum + count, 0);
    // A render finished or refused leaves nothing behind: no queue entries, no chunk files.
    const removeAll = async (): Promise<void> => {
      await removeRender();
      await Promise.all(paths.map((path) => rm(path, { force: true })));
      await rm(join(farmDir, input), { force: true });
    };
    try {
      refuseCutShort(plan.input, info, frames); // as a local render would: no rerun mends it
    } catch (error) {
      await removeAll();
      throw error;
    }
    await joinChunks({
      chunks: jobs.map((_, i) => ({ path: paths[i]!, frames: counts[i]! })),
      fps: info.fps,
      output: plan.outputFile,
      audio: info.hasAudio ? { path: plan.input, codec: info.audioCodec } : undefined,
      listPath: join(farmDir, 'chunks', `${renderKey}.txt`),
      lossless: plan.lossless,
      preset: plan.preset,
      signal: options.signal,
    });
    await removeAll();
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
  } finally {
    // A Redis that is gone may never answer the close: stop waiting for it.
    await Promise.race([
      Promise.all([chunkQueue.close(), renderQueue.close(), flows.close()]).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref()),
    ]);
  }
}
