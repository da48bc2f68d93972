/**
 * What a coordinator hears of the chunk queue (`FarmQueue.subscribe`, BullMQ's `QueueEvents`), on
 * a real redis-server with a real BullMQ worker: a chunk that finishes as soon as the coordinator
 * has subscribed, one that finished before, a Redis restarted without its data, one that stays away.
 */
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_QUEUE, type ChunkJob, type ChunkResult } from '../../src/farm/chunk-job.js';
import { FarmQueue, type ChunkQueueEvent } from '../../src/farm/farm-queue.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

/** A chunk job as the coordinator enqueues it; the test's worker only reports on it. */
const JOB = { renderKey: '0'.repeat(16), index: 0 } as ChunkJob;
const RESULT: ChunkResult = { frames: 7, worker: 'test:1', reused: false };

/** Everything a subscriber heard, and a promise for the first event of a kind. */
function subscriber() {
  const heard: ChunkQueueEvent[] = [];
  const waiting = new Map<ChunkQueueEvent['kind'], () => void>();
  return {
    heard,
    hear: (event: ChunkQueueEvent): void => {
      heard.push(event);
      waiting.get(event.kind)?.();
    },
    heardOf: (kind: ChunkQueueEvent['kind']): Promise<void> =>
      new Promise((resolve) => {
        if (heard.some((event) => event.kind === kind)) resolve();
        else waiting.set(kind, resolve);
      }),
  };
}

let redis: TestRedis;
let queue: FarmQueue;
let worker: Worker | undefined;

beforeEach(async () => {
  redis = await startRedis();
  queue = new FarmQueue({ farm: redis.url, farmDir: '/farm', waitMs: 1000, attempts: 1 });
});

afterEach(async () => {
  await queue.close();
  await worker?.close();
  worker = undefined;
  await redis.stop();
});

/** A worker that reports 7 frames on each chunk and completes it. */
async function startWorker(): Promise<void> {
  worker = new Worker(
    CHUNK_QUEUE,
    async (job) => {
      await job.updateProgress(RESULT.frames);
      return RESULT;
    },
    { connection: { host: '127.0.0.1', port: redis.port } },
  );
  await worker.waitUntilReady();
}

describe('FarmQueue.subscribe', () => {
  it('hears the progress and the end of a chunk that finishes while it subscribes', async () => {
    await startWorker();
    const events = subscriber();
    await queue.hold(['inputs/x.mp4']); // as a coordinator holds its files first
    const subscribed = queue.subscribe(events.hear);
    // Done before BullMQ's QueueEvents first reads the stream (it starts from its end then).
    await queue.addChunk('a-0', JOB);
    await subscribed;
    await events.heardOf('finished');
    expect(events.heard).toEqual([
      { kind: 'progress', jobId: 'a-0', frames: 7 },
      { kind: 'finished', jobId: 'a-0' },
    ]);
  });

  it('hears nothing of a chunk that finished before: its job says so, looked at once', async () => {
    await startWorker();
    const done = new Promise((resolve) => worker!.once('completed', resolve));
    await queue.addChunk('a-0', JOB);
    await done;
    const events = subscriber();
    await queue.subscribe(events.hear);
    // A later chunk is heard of: the earlier one was not missed, it was before the subscription.
    await queue.addChunk('a-1', { ...JOB, index: 1 });
    await events.heardOf('finished');
    expect(events.heard.filter((event) => event.kind === 'finished')).toEqual([
      { kind: 'finished', jobId: 'a-1' },
    ]);
    expect((await queue.chunk('a-0'))?.returnvalue).toEqual(RESULT);
  });

  it('says when Redis is back after a restart without its data, and when it stays away', async () => {
    const events = subscriber();
    await queue.hold(['inputs/x.mp4']);
    await queue.subscribe(events.hear);
    await redis.restart();
    await events.heardOf('reconnected');
    expect(await queue.chunk('a-0')).toBeUndefined();
    expect(queue.lost).toBe(false);

    await redis.stop();
    await events.heardOf('lost');
    expect(queue.lost).toBe(true);
    expect(queue.lostError().message).toMatch(
      /^Lost the farm's Redis at redis:\/\/127\.0\.0\.1:\d+ during the render: no answer for 1 s; chunks done so far stay in \/farm for a rerun$/,
    );
  });
});
