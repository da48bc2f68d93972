/**
 * A farm render under faults, with a real redis-server and real worker processes: Redis stopped
 * or restarted mid-render, workers stopped by a signal mid-chunk, a chunk that keeps failing.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chunksDone,
  decodedContent,
  farmLeftovers,
  farmTestBed,
  redisLeftovers,
  startWorker,
  losslessFarmArgs,
  type CliProcess,
} from '../helpers/farm.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { makeClip } from '../helpers/media.js';
import { errorLines, runCli, startCli } from '../helpers/run-cli.js';

const bed = farmTestBed('stylecast-farm-faults-');
const { workers, freshFarm } = bed;

/** A lossless farm render of `clip` (the fixture's by default) in 0.4 s chunks; `args` add to it. */
function farmRender(
  redis: TestRedis,
  farmDir: string,
  args: string[],
  clip = bed.fixture.clip,
): CliProcess {
  return startCli([...renderArgsFor(clip), ...losslessFarmArgs(redis, farmDir), ...args]);
}

/** The fixture's render arguments with another input clip. */
function renderArgsFor(clip: string): string[] {
  const [command, , ...rest] = bed.fixture.renderArgs;
  return [command!, clip, ...rest];
}

/** What the folder holds besides finished chunks (a file and its record): nothing, we hope. */
function unfinishedChunks(farmDir: string): string[] {
  return readdirSync(path.join(farmDir, 'chunks')).filter(
    (name) => !/^[0-9a-f]{64}\.(nut|json)$/.test(name),
  );
}

/** `name.mkv` in the test folder, complete or under its temporary name. */
const outputsNamed = (name: string): string[] =>
  readdirSync(bed.dir).filter((file) => file.includes(`${name}.mkv`));

describe('Redis lost mid-render', () => {
  it('stopped: coordinator and worker each end in one line, and nothing is half-written', async () => {
    const { redis, farmDir } = await freshFarm('farm-stopped');
    const worker = startWorker(redis.url, farmDir, ['--farm-wait', '1']);
    workers.push(worker);
    const output = path.join(bed.dir, 'stopped.mkv');
    const render = farmRender(redis, farmDir, ['--farm-wait', '1', '-o', output]);
    await chunksDone(worker);
    await redis.stop();

    const [run, stopped] = await Promise.all([render.result, worker.result]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      expect.stringMatching(
        /^stylecast: Lost the farm's Redis at redis:\/\/127\.0\.0\.1:\d+ during the render: no answer for 1 s; chunks done so far stay in .*farm-stopped for a rerun$/,
      ),
    ]);
    expect(stopped.code).toBe(1);
    expect(errorLines(stopped.stderr).at(-1)).toMatch(
      /^stylecast: Lost the farm's Redis at redis:\/\/127\.0\.0\.1:\d+: no answer for 1 s; worker [^ ]+:\d+ stopped$/,
    );
    expect(outputsNamed('stopped')).toEqual([]);
    expect(unfinishedChunks(farmDir)).toEqual([]);
  });

  it('restarted empty: the render enqueues its chunks again and is still exact', async () => {
    const { redis, farmDir } = await freshFarm('farm-restarted');
    workers.push(startWorker(redis.url, farmDir), startWorker(redis.url, farmDir));
    const output = path.join(bed.dir, 'restarted.mkv');
    const render = farmRender(redis, farmDir, ['-o', output]);
    await chunksDone(workers[0]!);
    await redis.restart();

    const run = await render.result;
    expect(run.code, run.stderr).toBe(0);
    expect(await decodedContent(output)).toEqual(await decodedContent(bed.fixture.localLossless));
    expect(readdirSync(path.join(farmDir, 'chunks'))).toEqual([]);
  });
});

describe('a worker stopped mid-chunk', () => {
  // Two chunks of 150 frames at 320×240, over a second of work each: long enough to be stopped
  // in the middle of, even on a busy machine (the fixture's chunks take a few milliseconds).
  let clip: string;
  let localLossless: string;
  beforeAll(async () => {
    clip = await makeClip(path.join(bed.dir, 'long.mp4'), { width: 320, height: 240, seconds: 12 });
    localLossless = path.join(bed.dir, 'long-local.mkv');
    const local = await runCli([...renderArgsFor(clip), '--lossless', '-o', localLossless]);
    expect(local.code, local.stderr).toBe(0);
  });

  /** The long clip rendered on `farmDir` by a worker that is then stopped (see `stopAt`). */
  async function renderAndStop(
    name: string,
    signal: NodeJS.Signals,
    stopAt: (redis: TestRedis, stopping: CliProcess) => Promise<void>,
  ) {
    const { redis, farmDir } = await freshFarm(`farm-${name}`);
    // Its lock would hold a chunk for 10 minutes: only a hand-back lets the render finish.
    const stopping = startWorker(redis.url, farmDir, ['--stall-seconds', '600']);
    workers.push(stopping);
    const output = path.join(bed.dir, `${name}.mkv`);
    const render = farmRender(redis, farmDir, ['--chunk-seconds', '6', '-o', output], clip);
    await stopAt(redis, stopping);
    stopping.child.kill(signal);
    const stopped = await stopping.result;
    workers.push(startWorker(redis.url, farmDir, ['--stall-seconds', '600']));
    const run = await render.result;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ frames: 300, retries: 0 });
    expect(await decodedContent(output)).toEqual(await decodedContent(localLossless));
    return stopped;
  }

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'by %s hands its chunk back at once and exits %i; another worker finishes it',
    async (signal, code) => {
      const stopped = await renderAndStop(signal, signal, async (redis, stopping) => {
        await chunksDone(stopping);
        await waitForChunkInProgress(redis, 1);
      });
      expect(stopped.code).toBe(code);
      expect(stopped.stderr).toMatch(/chunk 1 handed back to the queue/);
    },
  );

  it('as it finishes a chunk, takes up no other: the next one BullMQ hands it goes back', async () => {
    const stopped = await renderAndStop('between', 'SIGTERM', (_redis, stopping) =>
      chunksDone(stopping),
    );
    expect(stopped.code).toBe(143);
    expect(stopped.stderr).not.toMatch(/chunk 1 \(\d+ frames\) done/);
  });
});

describe('a chunk that keeps failing', () => {
  it('fails the render after 3 tries, in one line naming the chunk, the worker and the cause', async () => {
    const { redis, farmDir } = await freshFarm('farm-failing');
    // A worker whose ffmpeg cannot run: every chunk it takes fails, and would pass elsewhere.
    workers.push(startWorker(redis.url, farmDir, [], { env: { FFMPEG_PATH: '/bin/false' } }));
    const output = path.join(bed.dir, 'failing.mkv');
    const run = await farmRender(redis, farmDir, ['-o', output]).result;
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      expect.stringMatching(
        /^stylecast: Chunk \d+ \(frames \d+–\d+\) failed 3 time\(s\), last on worker [^ ]+:\d+: .*ffmpeg.*$/,
      ),
    ]);
    expect(outputsNamed('failing')).toEqual([]);
    // Nothing of it stays: no copies, no partial chunks, no queue entries, no holds.
    expect(farmLeftovers(farmDir)).toEqual([]);
    expect(await redisLeftovers(redis)).toEqual([]);
  });
});

/**
 * Resolves once chunk `index` is being rendered: in BullMQ's active list, with a frame written
 * (its progress), so a worker is in the middle of it, not just handed it.
 */
async function waitForChunkInProgress(redis: TestRedis, index: number): Promise<void> {
  const client = redis.client();
  await client.connect();
  try {
    for (;;) {
      const active = await client.lrange('bull:stylecast-chunks:active', 0, -1);
      const id = active.find((jobId) => jobId.endsWith(`-${index}`));
      const progress = id ? await client.hget(`bull:stylecast-chunks:${id}`, 'progress') : null;
      if (Number(progress) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.disconnect();
  }
}
