/**
 * One machine's farm worker: takes chunk jobs from BullMQ, renders each into the farm folder and
 * reports progress (frames done) on the job. Stopping gives the chunk in hand back to the queue;
 * a killed worker's chunk is taken up again by BullMQ's stalled-job check once its lock expires.
 * A chunk no render holds any more (see `farm-holds.ts`: stopped, failed, its coordinator gone) is
 * dropped, at its start or within a second while it renders.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Stylizer } from '../stylizer/stylizer.js';
import { isAbortError, StylecastError } from '../errors.js';
import {
  CHUNK_QUEUE,
  parseChunkJob,
  STYLECAST_VERSION,
  type ChunkJob,
  type ChunkResult,
} from './chunk-job.js';
import { removeUnfinished, wholeChunk } from './chunk-record.js';
import { DEFAULT_FARM_WAIT_MS, describeFarm, farmRedisOptions } from './farm-connection.js';
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
export function runFarmWorker(options: FarmWorkerOptions): Promise<void> {
  return new FarmWorker(options).run();
}

/** A BullMQ `Worker` on the chunk queue, and the chunks it has in hand. */
export class FarmWorker {
  readonly name = workerName();
  /** One per chunk in hand: aborted to stop rendering it. */
  private readonly running = new Set<AbortController>();
  /** Set once stopping began: no chunk is rendered after it. */
  private stopping = false;
  /** Set once Redis has been away longer than `waitMs`: why the worker stopped. */
  private lost: StylecastError | undefined;
  private lastWarning = '';
  private readonly worker: Worker;
  /** Asks whether a chunk is still wanted; the worker's own connections are BullMQ's. */
  private readonly holdsClient: Redis;
  private readonly stopped: Promise<void>;
  private resolveStopped: () => void = () => {};

  constructor(private readonly options: FarmWorkerOptions) {
    const waitMs = options.waitMs ?? DEFAULT_FARM_WAIT_MS;
    const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    const connection = farmRedisOptions(options.farm, {
      waitMs,
      caFile: options.caFile,
      onGiveUp: () => {
        this.lost ??= new StylecastError(
          'FARM_UNREACHABLE',
          `Lost the farm's Redis at ${describeFarm(options.farm)}: no answer for ${waitMs / 1000} s; worker ${this.name} stopped`,
        );
        this.stop();
      },
    });
    this.holdsClient = new Redis(connection);
    this.holdsClient.on('error', () => {}); // the worker's own connection reports a lost Redis
    this.worker = new Worker(CHUNK_QUEUE, (job, token) => this.process(job, token), {
      connection,
      concurrency: options.concurrency ?? 1,
      name: this.name,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      maxStalledCount: 3,
      autorun: false,
    });
    this.worker.on('error', (error) => this.warn(error));
    this.worker.on('ready', () => (this.lastWarning = ''));
    this.stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  }

  /** Takes chunks until stopped (see `runFarmWorker`). */
  async run(): Promise<void> {
    const { signal, stylizer } = this.options;
    if (signal.aborted) this.stop();
    else signal.addEventListener('abort', () => this.stop(), { once: true });
    await this.worker.waitUntilReady();
    this.options.onLine?.(
      `Worker ${this.name} ready on ${CHUNK_QUEUE} (model ${stylizer.model.card.name})`,
    );
    void this.worker.run();
    await this.stopped;
    this.holdsClient.disconnect();
    if (this.lost) throw this.lost;
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const controller of this.running) controller.abort();
    void this.worker.close().then(this.resolveStopped, this.resolveStopped);
    // A Redis that is gone never answers the close: stop waiting for it.
    setTimeout(this.resolveStopped, CLOSE_WAIT_MS).unref();
  }

  /** A lost Redis repeats its error on every reconnection attempt: say each one once. */
  private warn(error: Error): void {
    if (error.message !== this.lastWarning && !this.lost)
      this.options.onLine?.(`Warning: ${error.message}`);
    this.lastWarning = error.message;
  }

  /** BullMQ's processor: the chunk rendered, or what BullMQ is to make of it (see `failure`). */
  private async process(job: Job, token?: string): Promise<ChunkResult> {
    const controller = new AbortController();
    this.running.add(controller);
    // BullMQ hands over the next chunk as the last one completes: one taken after stopping
    // began goes straight back.
    if (this.stopping) controller.abort();
    try {
      return await this.renderJob(job, controller);
    } catch (error) {
      throw await this.failure(error, job, token, controller.signal);
    } finally {
      this.running.delete(controller);
    }
  }

  /** Renders the chunk, unless it is for another worker, is whole already, or is not wanted. */
  private async renderJob(job: Job, controller: AbortController): Promise<ChunkResult> {
    const { farmDir, stylizer, batchSize } = this.options;
    controller.signal.throwIfAborted();
    const chunk = parseChunkJob(job.data);
    this.refuseMismatch(chunk);
    if (!(await this.wanted(chunk))) throw new Unwanted();
    const whole = await wholeChunk(farmDir, chunk.key, chunk.range);
    if (whole) return { frames: whole.frames, worker: this.name, reused: true };
    // The chunk is this worker's now (its lock is ours): what a killed one left of it goes.
    await removeUnfinished(farmDir, [chunk.key]);
    const checking = setInterval(() => {
      void this.wanted(chunk).then((yes) => yes || controller.abort(new Unwanted()));
    }, WANTED_EVERY_MS);
    try {
      const frames = await renderChunk(chunk, {
        farmDir,
        stylizer,
        batchSize,
        signal: controller.signal,
        onProgress: progressOn(job),
      });
      this.options.onLine?.(`chunk ${chunk.index} (${frames} frames) done`);
      return { frames, worker: this.name, reused: false };
    } finally {
      clearInterval(checking);
    }
  }

  /** Refuses a chunk of another stylecast version or model: it would not match its neighbours. */
  private refuseMismatch(chunk: ChunkJob): void {
    const { modelDigest, stylizer } = this.options;
    if (chunk.version === STYLECAST_VERSION && chunk.model.digest === modelDigest) return;
    throw new StylecastError(
      'FARM_MISMATCH',
      `it runs stylecast ${STYLECAST_VERSION} with model ${stylizer.model.card.name} (${modelDigest.slice(0, 12)}), the render needs stylecast ${chunk.version} with model ${chunk.model.name} (${chunk.model.digest.slice(0, 12)})`,
    );
  }

  /** Whether any render still wants the chunk: a lost Redis cannot say no. */
  private wanted(chunk: ChunkJob): Promise<boolean> {
    return isHeld(this.holdsClient, renderResource(chunk.renderKey)).catch(() => true);
  }

  /**
   * What BullMQ is told of a chunk that did not finish: dropped for good (no render wants it),
   * handed back to the queue (the worker is stopping), failed for good (a retry cannot mend it:
   * see `FINAL_CODES`), or failed this time.
   */
  private async failure(
    error: unknown,
    job: Job,
    token: string | undefined,
    signal: AbortSignal,
  ): Promise<Error> {
    const { index } = job.data as ChunkJob;
    if (error instanceof Unwanted || signal.reason instanceof Unwanted) {
      this.options.onLine?.(`chunk ${index} dropped: no render wants it any more`);
      return new UnrecoverableError(
        `on worker ${this.name}: no render wants chunk ${index} any more (stopped, failed, or its coordinator is gone)`,
      );
    }
    if (signal.aborted && isAbortError(error)) {
      // Stopping: the chunk goes back to the queue for another worker, not counted as a failure.
      // Without Redis it cannot: its lock expires and it is taken up as a stalled chunk.
      const handedBack = await job.moveToWait(token).then(
        () => true,
        () => false,
      );
      if (handedBack) this.options.onLine?.(`chunk ${index} handed back to the queue`);
      return new WaitingError();
    }
    const message = `on worker ${this.name}: ${(error as Error).message}`;
    if (error instanceof StylecastError && FINAL_CODES.has(error.code))
      return new UnrecoverableError(message);
    return new Error(message);
  }
}

/** Reports the frames done on the job, every `PROGRESS_EVERY_MS` at most. */
function progressOn(job: Job): (frames: number) => void {
  let last = 0;
  return (frames) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    void job.updateProgress(frames).catch(() => {});
  };
}
