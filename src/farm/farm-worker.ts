/**
 * One machine's farm worker: takes chunk jobs from BullMQ, renders each into the farm folder and
 * reports progress (frames done) on the job. Stopping gives the chunk in hand back to the queue;
 * a killed worker's chunk is taken up again by BullMQ's stalled-job check once its lock expires.
 * A chunk no render holds any more (see `farm-holds.ts`: stopped, failed, its coordinator gone) is
 * dropped, at its start or within a second while it renders.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Stylizer } from '../stylizer/stylizer.js';
import { isAbortError, StylecastError } from '../errors.js';
import {
  CHUNK_QUEUE,
  parseChunkJob,
  STYLECAST_VERSION,
  type ChunkJob,
  type ChunkResult,
} from './chunk-job.js';
import { DEFAULT_FARM_WAIT_MS, describeFarm, farmRedisOptions } from './farm-connection.js';
import { Redis } from 'ioredis';
import { removeUnfinished, wholeChunk } from './chunk-record.js';
import { isHeld, renderResource } from './farm-holds.js';
import { renderChunk } from './render-chunk.js';

export interface FarmWorkerOptions {
  farm: string;
  farmDir: string;
  stylizer: Stylizer;
  /** The model's digest (content hash); jobs for another model are refused. */
  modelDigest: string;
  concurrency?: number;
  batchSize?: number;
  /** How long a chunk's lock lasts without renewal: a dead worker's chunk waits this long. */
  stallMs?: number;
  /** How long a lost Redis is waited for before the worker stops with an error. */
  waitMs?: number;
  /** A PEM certificate authority for a `rediss://` farm. */
  caFile?: string;
  signal: AbortSignal;
  onLine?: (line: string) => void;
}

const PROGRESS_EVERY_MS = 250;
/** How often a worker asks whether the render of the chunk in hand is still wanted. */
const WANTED_EVERY_MS = 1000;
const DEFAULT_STALL_MS = 30_000;
const CLOSE_WAIT_MS = 5000;

export const workerName = (): string => `${hostname()}:${process.pid}`;

/** Errors a retry cannot mend: the job or this worker is wrong for it, not the moment. */
const FINAL_CODES = new Set(['FARM_JOB_INVALID', 'FARM_DIR_MISMATCH', 'FARM_MISMATCH']);

/** Why a chunk is dropped: no render holds it any more (stopped, failed, or its coordinator died). */
class Unwanted extends Error {}

/**
 * Runs until `signal` aborts (and resolves once the worker has closed), or until the farm's
 * Redis has been lost for longer than `waitMs` (and rejects with a FARM_UNREACHABLE error).
 */
export async function runFarmWorker(options: FarmWorkerOptions): Promise<void> {
  const name = workerName();
  const { stylizer } = options;
  const running = new Set<AbortController>();
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const waitMs = options.waitMs ?? DEFAULT_FARM_WAIT_MS;
  let lost: StylecastError | undefined;
  let stop = (): void => {};
  let stopping = false;

  /** Whether any render still wants the chunk: a lost Redis cannot say no. */
  const wanted = (chunk: ChunkJob): Promise<boolean> =>
    isHeld(holdsClient, renderResource(chunk.renderKey)).catch(() => true);

  const processChunk = async (job: Job, token?: string): Promise<ChunkResult> => {
    const controller = new AbortController();
    running.add(controller);
    let checking: NodeJS.Timeout | undefined;
    // BullMQ hands over the next chunk as the last one completes: one taken after stopping
    // began goes straight back.
    if (stopping) controller.abort();
    try {
      controller.signal.throwIfAborted();
      const chunk = parseChunkJob(job.data);
      const card = stylizer.model.card;
      if (chunk.version !== STYLECAST_VERSION || chunk.model.digest !== options.modelDigest) {
        throw new StylecastError(
          'FARM_MISMATCH',
          `it runs stylecast ${STYLECAST_VERSION} with model ${card.name} (${options.modelDigest.slice(0, 12)}), the render needs stylecast ${chunk.version} with model ${chunk.model.name} (${chunk.model.digest.slice(0, 12)})`,
        );
      }
      if (!(await wanted(chunk))) throw new Unwanted();
      const whole = await wholeChunk(options.farmDir, chunk.key, chunk.range);
      if (whole) return { frames: whole.frames, worker: name, reused: true };
      // The chunk is this worker's now (its lock is ours): what a killed one left of it goes.
      await removeUnfinished(options.farmDir, [chunk.key]);
      checking = setInterval(() => {
        void wanted(chunk).then((yes) => yes || controller.abort(new Unwanted()));
      }, WANTED_EVERY_MS);
      let last = 0;
      const frames = await renderChunk(chunk, {
        farmDir: options.farmDir,
        stylizer,
        batchSize: options.batchSize,
        signal: controller.signal,
        onProgress: (done) => {
          const now = Date.now();
          if (now - last < PROGRESS_EVERY_MS) return;
          last = now;
          void job.updateProgress(done).catch(() => {});
        },
      });
      options.onLine?.(`chunk ${chunk.index} (${frames} frames) done`);
      return { frames, worker: name, reused: false };
    } catch (error) {
      if (error instanceof Unwanted || controller.signal.reason instanceof Unwanted) {
        options.onLine?.(
          `chunk ${(job.data as ChunkJob).index} dropped: no render wants it any more`,
        );
        throw new UnrecoverableError(
          `on worker ${name}: no render wants chunk ${(job.data as ChunkJob).index} any more (stopped, failed, or its coordinator is gone)`,
        );
      }
      if (controller.signal.aborted && isAbortError(error)) {
        // Stopping: the chunk goes back to the queue for another worker, not counted as a failure.
        // Without Redis it cannot: its lock expires and it is taken up as a stalled chunk.
        if (
          await job.moveToWait(token).then(
            () => true,
            () => false,
          )
        )
          options.onLine?.(`chunk ${(job.data as ChunkJob).index} handed back to the queue`);
        throw new WaitingError();
      }
      const message = `on worker ${name}: ${(error as Error).message}`;
      if (error instanceof StylecastError && FINAL_CODES.has(error.code))
        throw new UnrecoverableError(message);
      throw new Error(message);
    } finally {
      clearInterval(checking);
      running.delete(controller);
    }
  };

  const connection = farmRedisOptions(options.farm, {
    waitMs,
    caFile: options.caFile,
    onGiveUp: () => {
      lost ??= new StylecastError(
        'FARM_UNREACHABLE',
        `Lost the farm's Redis at ${describeFarm(options.farm)}: no answer for ${waitMs / 1000} s; worker ${name} stopped`,
      );
      stop();
    },
  });
  const holdsClient = new Redis(connection);
  holdsClient.on('error', () => {}); // the worker's own connection reports a lost Redis
  const worker = new Worker(CHUNK_QUEUE, processChunk, {
    connection,
    concurrency: options.concurrency ?? 1,
    name,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: 3,
    autorun: false,
  });
  // A lost Redis repeats its error on every reconnection attempt: say each one once.
  let lastWarning = '';
  worker.on('error', (error) => {
    if (error.message !== lastWarning && !lost) options.onLine?.(`Warning: ${error.message}`);
    lastWarning = error.message;
  });
  worker.on('ready', () => (lastWarning = ''));
  const stopped = new Promise<void>((resolve) => {
    stop = (): void => {
      stop = () => {};
      stopping = true;
      for (const controller of running) controller.abort();
      void worker.close().then(resolve, resolve);
      // A Redis that is gone never answers the close: stop waiting for it.
      setTimeout(resolve, CLOSE_WAIT_MS).unref();
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', () => stop(), { once: true });
  });
  await worker.waitUntilReady();
  options.onLine?.(`Worker ${name} ready on ${CHUNK_QUEUE} (model ${stylizer.model.card.name})`);
  void worker.run();
  await stopped;
  holdsClient.disconnect();
  if (lost) throw lost;
}
