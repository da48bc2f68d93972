/**
 * The coordinator's side of the farm's Redis: the BullMQ queues its chunk jobs go into, what
 * it hears of them (BullMQ's `QueueEvents`, see `subscribe`), and the holds (see `farm-holds.ts`)
 * it keeps on the files and chunks it shares with other renders. Every command that fails because
 * Redis is gone becomes the one line that says so.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { FlowProducer, Queue, QueueEvents, type Job, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { StylecastError } from '../errors.js';
import { CHUNK_QUEUE, RENDER_QUEUE, type ChunkJob } from './chunk-job.js';
import { describeFarm, farmRedisOptions } from './farm-connection.js';
import { FarmHolds, HOLD_MS } from './farm-holds.js';

export interface FarmQueueOptions {
  farm: string;
  /** Named in the message of a lost Redis: where the chunks done so far stay. */
  farmDir: string;
  waitMs: number;
  caFile?: string;
  /** Tries per chunk before it fails. */
  attempts: number;
}

/**
 * What the coordinator hears of the chunk queue and of Redis:
 * - `progress`: a worker has written `frames` of the chunk job `jobId`;
 * - `finished`: the job completed, failed or was removed: look at it (one `getJob`);
 * - `reconnected`: Redis was away and is back, perhaps restarted without its data: look at every job;
 * - `lost`: Redis has been away longer than the render waits for it.
 */
export type ChunkQueueEvent =
  | { kind: 'progress'; jobId: string; frames: number }
  | { kind: 'finished'; jobId: string }
  | { kind: 'reconnected' }
  | { kind: 'lost' };

const CLOSE_WAIT_MS = 5000;
const RETRY_MS = 200;

export class FarmQueue {
  readonly holds: FarmHolds;
  private gaveUp = false;
  private readonly connection: RedisOptions;
  private readonly redis: Redis;
  private readonly chunks: Queue;
  private readonly renders: Queue;
  private readonly flows: FlowProducer;
  /** The chunk queue's events, once subscribed: a connection of its own (a blocking XREAD). */
  private events: QueueEvents | undefined;
  private listener: ((event: ChunkQueueEvent) => void) | undefined;

  constructor(private readonly options: FarmQueueOptions) {
    const connection = farmRedisOptions(options.farm, {
      waitMs: options.waitMs,
      caFile: options.caFile,
      onGiveUp: () => {
        if (!this.gaveUp) this.listener?.({ kind: 'lost' });
        this.gaveUp = true;
      },
    });
    this.connection = connection;
    this.redis = new Redis(connection);
    this.chunks = new Queue(CHUNK_QUEUE, { connection });
    this.renders = new Queue(RENDER_QUEUE, { connection });
    this.flows = new FlowProducer({ connection });
    // A lost connection is reported by the command that fails, not as an 'error' event.
    const ignore = (): void => {};
    this.redis.on('error', ignore);
    this.chunks.on('error', ignore);
    this.renders.on('error', ignore);
    this.flows.on('error', ignore);
    // This connection is held from the first hold on: once it is back after a loss, so is Redis.
    let away = false;
    this.redis.on('reconnecting', () => (away = true));
    this.redis.on('ready', () => {
      if (away) this.listener?.({ kind: 'reconnected' });
      away = false;
    });
    this.holds = new FarmHolds(
      this.redis,
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      HOLD_MS + options.waitMs,
    );
  }

  /** Whether Redis has been away longer than the render waits for it. */
  get lost(): boolean {
    return this.gaveUp;
  }

  /** `command`, with a failure turned into the one line that says Redis was lost. */
  ask<T>(command: Promise<T>): Promise<T> {
    return command.catch((error: Error) => {
      throw this.lostError(error);
    });
  }

  /** The one line that says Redis was lost (`cause`: the command that failed, if one did). */
  lostError(cause?: Error): StylecastError {
    const why =
      this.gaveUp || !cause ? `no answer for ${this.options.waitMs / 1000} s` : cause.message;
    return new StylecastError(
      'FARM_UNREACHABLE',
      `Lost the farm's Redis at ${describeFarm(this.options.farm)} during the render: ${why}; chunks done so far stay in ${this.options.farmDir} for a rerun`,
      { cause },
    );
  }

  /**
   * Tells `listener` what happens to chunk jobs from now on (see `ChunkQueueEvent`), until `close`.
   * BullMQ's `QueueEvents` reads the queue's event stream from where it ends when it first
   * reads, once its connection is up: an event in between would be missed. So the stream's end
   * is taken here first and reading starts from it; an event after this resolves is never missed.
   * A job that finished before it is not told of: look at the jobs once after subscribing.
   */
  async subscribe(listener: (event: ChunkQueueEvent) => void): Promise<void> {
    const [last] = await this.ask(
      this.redis.xrevrange(this.chunks.toKey('events'), '+', '-', 'COUNT', 1),
    );
    this.listener = listener;
    const events = new QueueEvents(CHUNK_QUEUE, {
      connection: this.connection,
      lastEventId: last?.[0] ?? '0-0',
    });
    this.events = events;
    events.on('error', () => {}); // a lost connection is reported as `lost`
    events.on('progress', ({ jobId, data }) => {
      if (typeof data === 'number') listener({ kind: 'progress', jobId, frames: data });
    });
    const finished = ({ jobId }: { jobId: string }): void => listener({ kind: 'finished', jobId });
    events.on('completed', finished).on('failed', finished).on('removed', finished);
    await this.ask(events.waitUntilReady());
  }

  hold(resources: readonly string[]): Promise<void> {
    return this.ask(this.holds.hold(resources));
  }

  /** The render's flow: one assemble job (`renderId`), `children` (with their ids) under it. */
  async addFlow(
    renderId: string,
    data: object,
    children: readonly { id: string; job: ChunkJob }[],
  ): Promise<void> {
    await this.ask(
      this.flows.add({
        name: 'assemble',
        queueName: RENDER_QUEUE,
        opts: { jobId: renderId },
        data,
        children: children.map(({ id, job }) => ({
          name: 'chunk',
          queueName: CHUNK_QUEUE,
          data: job,
          opts: { jobId: id, failParentOnFailure: true, ...this.chunkOptions() },
        })),
      }),
    );
  }

  /** One chunk job outside the flow: a chunk rendered again, or enqueued again. */
  async addChunk(id: string, job: ChunkJob): Promise<void> {
    await this.ask(this.chunks.add('chunk', job, { jobId: id, ...this.chunkOptions() }));
  }

  private chunkOptions() {
    return { attempts: this.options.attempts, removeOnComplete: false, removeOnFail: false };
  }

  chunk(id: string): Promise<Job | undefined> {
    return this.ask(this.chunks.getJob(id));
  }

  render(id: string): Promise<Job | undefined> {
    return this.ask(this.renders.getJob(id));
  }

  workerCount(): Promise<number> {
    return this.ask(this.chunks.getWorkersCount());
  }

  /**
   * Removes the render's flow and the chunk jobs `chunkIds`. A chunk a worker is rendering cannot
   * be removed until the worker drops it (it sees that nobody holds the render any more), so this
   * tries again until `deadline` (a `performance.now()` time); returns whether all went.
   */
  async remove(renderId: string, chunkIds: readonly string[], deadline: number): Promise<boolean> {
    const removed = (count: number): boolean => count === 1;
    const failed = (): boolean => false;
    let flowGone = false;
    let left = [...chunkIds];
    for (;;) {
      flowGone ||= await this.renders
        .remove(renderId, { removeChildren: true })
        .then(removed, failed);
      const gone = await Promise.all(
        left.map((id) => this.chunks.remove(id).then(removed, failed)),
      );
      left = left.filter((_, i) => !gone[i]);
      if (flowGone && left.length === 0) return true;
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /** Closes the connections, not waiting long for a Redis that is gone. */
  async close(): Promise<void> {
    this.holds.stop();
    this.listener = undefined;
    const closing = [this.chunks, this.renders, this.flows, this.events].map((client) =>
      client?.close(),
    );
    await Promise.race([
      Promise.all(closing).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref()),
    ]);
    this.redis.disconnect();
  }
}
