/**
 * Follows a render's chunks until every one is whole, through the chunk queue's events (see
 * `FarmQueue.subscribe`), not by asking after each job in turn: an event marks its chunk to be
 * looked at (one `getJob`), and a Redis that came back marks them all — it may have come back
 * without its jobs, which are then enqueued again. A chunk whose file is damaged or gone after it
 * finished is rendered again (up to `attempts` times), never joined; all are checked again at
 * the end. A failed chunk, a lost Redis and the render's signal end the following.
 */
import { StylecastError } from '../errors.js';
import type { ChunkResult } from './chunk-job.js';
import { wholeChunk } from './chunk-record.js';
import { chunkPath } from './farm-paths.js';
import type { ChunkQueueEvent, FarmQueue } from './farm-queue.js';
import type { PlannedChunk } from './planned-chunk.js';

export interface FollowOptions {
  farmDir: string;
  /** Times a chunk may be rendered again before the render fails. */
  attempts: number;
  signal?: AbortSignal;
  /** Called whenever the frames done or the workers change. */
  onProgress?: (frames: number, workers: number) => void;
}

export interface Followed {
  /** The workers that rendered chunks, by name. */
  workers: Set<string>;
  /** Extra tries: failed attempts, stalled (killed) workers' chunks, chunks rendered again. */
  retries: number;
}

const first = <T>(set: ReadonlySet<T>): T | undefined => set.values().next().value;

/** How often the number of workers connected is asked for, at most (for the progress line). */
const WORKERS_EVERY_MS = 1000;

export class ChunkFollower {
  /**
   * `listening` once subscribed (what it hears is kept for `follow`), `following` in `follow`,
   * `ended` once that returned or threw: it hears nothing more, and reports nothing.
   */
  private state: 'listening' | 'following' | 'ended' = 'listening';
  /** Chunks to be looked at: their job changed, or may have. */
  private readonly toCheck = new Set<PlannedChunk>();
  private readonly workers = new Set<string>();
  private workersConnected = 0;
  private workersAskedAt = -Infinity;
  /** Resolves the wait for the next change, while the follower waits. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: FarmQueue,
    private readonly chunks: readonly PlannedChunk[],
    private readonly options: FollowOptions,
  ) {}

  /** Starts listening: call it before the chunks are enqueued, so no event of theirs is missed. */
  subscribe(): Promise<void> {
    return this.queue.subscribe((event) => this.hear(event));
  }

  /** Resolves once every chunk is whole; throws on a failed chunk, a lost Redis or an abort. */
  async follow(): Promise<Followed> {
    this.state = 'following';
    try {
      // Jobs that finished before the subscription are not heard of: each is looked at once.
      this.markUnfinished();
      this.workersConnected = await this.queue.workerCount();
      for (;;) {
        await this.checkMarked();
        this.report();
        if (this.chunks.every((chunk) => chunk.record) && (await this.stillWhole())) break;
        await this.nextChange();
      }
    } finally {
      this.state = 'ended';
    }
    const retries = this.chunks.reduce((sum, chunk) => sum + chunk.retries + chunk.rerenders, 0);
    return { workers: this.workers, retries };
  }

  private hear(event: ChunkQueueEvent): void {
    if (this.state === 'ended') return;
    if (event.kind === 'progress') {
      const chunk = this.followed(event.jobId);
      if (chunk) chunk.progress = event.frames;
      return this.report();
    }
    if (event.kind === 'finished') {
      const chunk = this.followed(event.jobId);
      if (!chunk) return;
      this.toCheck.add(chunk);
    }
    if (event.kind === 'reconnected') this.markUnfinished();
    this.wake?.(); // and on `lost`: the following stops
  }

  /** The chunk not yet whole whose job is `jobId`: not another render's, nor an earlier job's. */
  private followed(jobId: string): PlannedChunk | undefined {
    return this.chunks.find((chunk) => !chunk.record && chunk.jobId === jobId);
  }

  private markUnfinished(): void {
    for (const chunk of this.chunks) if (!chunk.record) this.toCheck.add(chunk);
  }

  /** Waits for an event that needs looking at, a lost Redis or an abort. */
  private async nextChange(): Promise<void> {
    const { signal } = this.options;
    if (this.toCheck.size > 0 || this.queue.lost || signal?.aborted) return;
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    const wake = (): void => this.wake?.();
    signal?.addEventListener('abort', wake, { once: true });
    try {
      await woken;
    } finally {
      this.wake = undefined;
      signal?.removeEventListener('abort', wake);
    }
  }

  private throwIfStopped(): void {
    this.options.signal?.throwIfAborted();
    if (this.queue.lost) throw this.queue.lostError();
  }

  private async checkMarked(): Promise<void> {
    this.throwIfStopped();
    // Looking at one may mark others (Redis came back) or itself again (sent to be rendered again).
    for (let next = first(this.toCheck); next; next = first(this.toCheck)) {
      this.toCheck.delete(next);
      await this.check(next);
      this.throwIfStopped();
    }
  }

  /** Looks at the chunk's job and takes in where it stands. */
  private async check(chunk: PlannedChunk): Promise<void> {
    if (chunk.record) return;
    const job = await this.queue.chunk(chunk.jobId);
    if (!job) return this.enqueueAgain(chunk);
    chunk.retries = Math.max(0, job.attemptsMade - 1) + (job.stalledCounter ?? 0);
    // A job that failed a try and then completed keeps the failure's reason: completion first.
    if (job.returnvalue) return this.completed(chunk, job.returnvalue as ChunkResult);
    if (job.failedReason && job.finishedOn)
      throw new StylecastError(
        'FARM_CHUNK_FAILED',
        `${chunk.label} failed ${job.attemptsMade} time(s), last ${job.failedReason}`,
      );
    if (typeof job.progress === 'number') chunk.progress = job.progress;
  }

  private async completed(chunk: PlannedChunk, result: ChunkResult): Promise<void> {
    chunk.record = await this.wholeRecord(chunk);
    // The worker finished it, and it is not whole now.
    if (!chunk.record) return this.renderAgain(chunk);
    if (!result.reused) this.workers.add(result.worker);
  }

  /**
   * Its job is gone (Redis came back without its data, or it was removed): enqueued again, unless
   * its file was finished meanwhile.
   */
  private async enqueueAgain(chunk: PlannedChunk): Promise<void> {
    chunk.record = await this.wholeRecord(chunk);
    if (chunk.record) return;
    await this.queue.ask(this.queue.holds.renew());
    await this.queue.addChunk(chunk.jobId, chunk.job);
  }

  private async renderAgain(chunk: PlannedChunk): Promise<void> {
    chunk.record = null;
    chunk.rerenders += 1;
    const { attempts, farmDir } = this.options;
    if (chunk.rerenders > attempts)
      throw new StylecastError(
        'FARM_CHUNK_FAILED',
        `${chunk.label} was damaged or removed after it was finished, ${attempts} times: ${chunkPath(farmDir, chunk.job.key)}`,
      );
    await this.queue.addChunk(chunk.jobId, chunk.job);
    // Another render of the same settings may have sent it already, and it may have finished.
    this.toCheck.add(chunk);
  }

  /** Whether every chunk is still whole, just before the join; those that are not go again. */
  private async stillWhole(): Promise<boolean> {
    const whole = await Promise.all(this.chunks.map((chunk) => this.wholeRecord(chunk)));
    if (whole.every(Boolean)) return true;
    for (const [i, chunk] of this.chunks.entries()) if (!whole[i]) await this.renderAgain(chunk);
    return false;
  }

  private wholeRecord(chunk: PlannedChunk) {
    return wholeChunk(this.options.farmDir, chunk.job.key, chunk.job.range);
  }

  private report(): void {
    if (this.state !== 'following') return;
    const frames = this.chunks.reduce((sum, chunk) => sum + chunk.frames, 0);
    this.options.onProgress?.(frames, this.workersConnected);
    if (performance.now() - this.workersAskedAt < WORKERS_EVERY_MS) return;
    this.workersAskedAt = performance.now();
    void this.queue.workerCount().then(
      (count) => (this.workersConnected = count),
      () => {}, // a lost Redis is reported by the following itself
    );
  }
}
