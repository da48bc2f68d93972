/**
 * A farm render that exits 0 has every frame, and a render that ends leaves nothing behind: real
 * redis-server, real worker processes. Chunk files damaged or removed after they finished, two
 * renders sharing chunks (one of them stopped), a stopped render's workers, a full farm disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  chunksDone,
  decodedContent,
  farmLeftovers,
  farmTestBed,
  FINISHED_CHUNK,
  redisLeftovers,
  startWorker,
  losslessFarmArgs,
  stopWorkers,
} from '../helpers/farm.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { errorLines, startCli } from '../helpers/run-cli.js';

const bed = farmTestBed('stylecast-farm-integrity-');
const { workers, freshFarm } = bed;

/** A lossless farm render of the fixture's clip in 0.4 s chunks (8 of them) to `NAME.mkv`. */
function farmRender(redis: TestRedis, farmDir: string, name: string, args: string[] = []) {
  return startCli([
    ...bed.fixture.renderArgs,
    ...losslessFarmArgs(redis, farmDir),
    '-o',
    path.join(bed.dir, `${name}.mkv`),
    ...args,
  ]);
}

/** Finished chunk files (`KEY.nut`) in the farm folder now. */
const chunkFiles = (farmDir: string): string[] =>
  readdirSync(path.join(farmDir, 'chunks'))
    .filter((name) => /^[0-9a-f]{64}\.nut$/.test(name))
    .map((name) => path.join(farmDir, 'chunks', name));

/** Expects `name.mkv` to hold exactly what a local render gives: every frame, the sound. */
async function expectExact(name: string): Promise<void> {
  expect(await decodedContent(path.join(bed.dir, `${name}.mkv`))).toEqual(
    await decodedContent(bed.fixture.localLossless),
  );
}

describe('a chunk file damaged after it finished', () => {
  it('is rendered again, never joined: cut short or removed, the output still has every frame', async () => {
    const { redis, farmDir } = await freshFarm('farm-damaged');
    const worker = startWorker(redis.url, farmDir);
    workers.push(worker);
    const render = farmRender(redis, farmDir, 'damaged');
    await chunksDone(worker, 1);
    const [cut] = chunkFiles(farmDir);
    truncateSync(cut!, 300);
    await chunksDone(worker, 1);
    rmSync(chunkFiles(farmDir).find((file) => file !== cut)!);

    const run = await render.result;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { frames: number; retries: number };
    expect(summary.frames).toBe(75);
    expect(summary.retries).toBeGreaterThanOrEqual(1);
    await expectExact('damaged');
    expect(farmLeftovers(farmDir)).toEqual([]);
    expect(await redisLeftovers(redis)).toEqual([]);
  });

  it('a rerun takes up no chunk file that is not whole (cut short, no record of it)', async () => {
    const { redis, farmDir } = await freshFarm('farm-unrecorded');
    const worker = startWorker(redis.url, farmDir);
    workers.push(worker);
    const first = farmRender(redis, farmDir, 'unrecorded');
    await chunksDone(worker, 2);
    first.child.kill('SIGKILL'); // a coordinator that died: its finished chunks stay for a rerun
    await first.result;
    await stopWorkers(workers);
    workers.push(startWorker(redis.url, farmDir));
    // Every finished chunk cut short, and its record removed, as a copy that broke off would be.
    for (const file of chunkFiles(farmDir)) {
      truncateSync(file, 300);
      rmSync(file.replace(/\.nut$/, '.json'));
    }
    const run = await farmRender(redis, farmDir, 'unrecorded').result;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ frames: 75, reusedChunks: 0 });
    await expectExact('unrecorded');
    expect(farmLeftovers(farmDir)).toEqual([]);
  });
});

describe('two renders of the same input and settings at once', () => {
  it.each([
    ['the second started once the first has a chunk done', 1],
    ['both started at once', 0],
  ])('%s: both exit 0 with every frame, and nothing is left', async (_name, after) => {
    const { redis, farmDir } = await freshFarm(`farm-shared-${after}`);
    const worker = startWorker(redis.url, farmDir);
    workers.push(worker, startWorker(redis.url, farmDir));
    const first = farmRender(redis, farmDir, `shared-${after}-a`);
    if (after) await chunksDone(worker, after);
    const second = farmRender(redis, farmDir, `shared-${after}-b`);

    const runs = await Promise.all([first.result, second.result]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ frames: 75, chunks: 8 });
    }
    await expectExact(`shared-${after}-a`);
    await expectExact(`shared-${after}-b`);
    expect(farmLeftovers(farmDir)).toEqual([]);
    expect(await redisLeftovers(redis)).toEqual([]);
  });

  it('stopping one (Ctrl-C) takes nothing from the other', async () => {
    const { redis, farmDir } = await freshFarm('farm-shared-stop');
    const worker = startWorker(redis.url, farmDir);
    workers.push(worker);
    const first = farmRender(redis, farmDir, 'shared-stop-a');
    await chunksDone(worker, 1);
    const second = farmRender(redis, farmDir, 'shared-stop-b');
    await chunksDone(worker, 1);
    first.child.kill('SIGINT');

    const stopped = await first.result;
    expect(stopped.code).toBe(130);
    expect(errorLines(stopped.stderr).at(-1)).toMatch(
      /^stylecast: Stopped; no output was written to .*shared-stop-a\.mkv$/,
    );
    const run = await second.result;
    expect(run.code, run.stderr).toBe(0);
    await expectExact('shared-stop-b');
    expect(readdirSync(bed.dir).filter((name) => name.includes('shared-stop-a'))).toEqual([]);
    expect(farmLeftovers(farmDir)).toEqual([]);
    expect(await redisLeftovers(redis)).toEqual([]);
  });
});

describe('a render stopped by Ctrl-C', () => {
  it('exits 130 in one line; its workers drop its chunks; only finished chunks stay, for a rerun', async () => {
    const { redis, farmDir } = await freshFarm('farm-ctrl-c');
    const worker = startWorker(redis.url, farmDir);
    workers.push(worker);
    // 38 chunks of 2 frames: far more than are done by the time the stop is seen.
    const render = farmRender(redis, farmDir, 'ctrl-c', ['--chunk-seconds', '0.08']);
    await chunksDone(worker, 1);
    render.child.kill('SIGINT');

    const run = await render.result;
    expect(run.code).toBe(130);
    expect(errorLines(run.stderr)).toEqual([
      'Stopping…',
      expect.stringMatching(/^stylecast: Stopped; no output was written to .*ctrl-c\.mkv$/),
    ]);
    expect(await redisLeftovers(redis)).toEqual([]);
    const kept = farmLeftovers(farmDir);
    expect(kept.filter((file) => !FINISHED_CHUNK.test(file))).toEqual([]);
    expect(kept.length).toBeLessThan(2 * 38);
    const done = (await new Promise<number>((resolve) => {
      worker.child.kill('SIGTERM');
      void worker.result.then((result) => resolve(result.stderr.split(' done').length - 1));
    })) as number;
    expect(done).toBeLessThan(38);

    // A rerun takes up the finished chunks, and then nothing is left.
    workers.push(startWorker(redis.url, farmDir));
    const rerun = await farmRender(redis, farmDir, 'ctrl-c', ['--chunk-seconds', '0.08']).result;
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ frames: 75, chunks: 38 });
    expect((JSON.parse(rerun.stdout) as { reusedChunks: number }).reusedChunks).toBeGreaterThan(0);
    await expectExact('ctrl-c');
    expect(farmLeftovers(farmDir)).toEqual([]);
    expect(await redisLeftovers(redis)).toEqual([]);
  });
});

describe('finished chunks kept for a rerun', () => {
  it('go once no render has used them for 7 days; younger ones stay', async () => {
    const { redis, farmDir } = await freshFarm('farm-aged');
    const chunks = path.join(farmDir, 'chunks');
    mkdirSync(chunks);
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    const kept = (key: string, ageDays: number): string[] => {
      const names = [`${key}.nut`, `${key}.json`];
      for (const name of names) {
        writeFileSync(
          path.join(chunks, name),
          name.endsWith('json') ? '{"frames":1,"bytes":3}' : 'nut',
        );
        utimesSync(path.join(chunks, name), now - ageDays * day, now - ageDays * day);
      }
      return names.map((name) => `chunks/${name}`);
    };
    kept('a'.repeat(64), 8);
    const young = kept('b'.repeat(64), 6);
    workers.push(startWorker(redis.url, farmDir));
    const run = await farmRender(redis, farmDir, 'aged').result;
    expect(run.code, run.stderr).toBe(0);
    expect(farmLeftovers(farmDir)).toEqual(young.sort());
  });
});

describe('a full farm disk', () => {
  /** `body` with a fresh Redis and a farm folder on a tmpfs of `size`, unmounted after it. */
  async function onSmallDisk(
    name: string,
    size: string,
    body: (redis: TestRedis, farmDir: string) => Promise<void>,
  ): Promise<void> {
    const { redis, farmDir } = await freshFarm(name);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', farmDir]);
    try {
      await body(redis, farmDir);
      expect(await redisLeftovers(redis)).toEqual([]);
    } finally {
      await stopWorkers(workers);
      execFileSync('umount', [farmDir]);
    }
  }

  it('copying the input: one line naming the file and the folder; nothing left', async () => {
    await onSmallDisk('farm-full-input', '12k', async (redis, farmDir) => {
      const run = await farmRender(redis, farmDir, 'full-input').result;
      expect(run.code).toBe(1);
      expect(errorLines(run.stderr)).toEqual([
        expect.stringMatching(
          /^stylecast: Disk full while copying .*\.(mp4|jpg) into the farm folder \(.*farm-full-input\/(inputs|styles)\)$/,
        ),
      ]);
      expect(farmLeftovers(farmDir)).toEqual([]);
    });
  });

  it('writing a chunk: one line naming the chunk file in the farm folder; nothing left', async () => {
    await onSmallDisk('farm-full-chunk', '200k', async (redis, farmDir) => {
      workers.push(startWorker(redis.url, farmDir));
      // One chunk of the whole clip: lossless, far larger than what is left beside the input.
      const run = await farmRender(redis, farmDir, 'full-chunk', ['--chunk-seconds', '10']).result;
      expect(run.code).toBe(1);
      expect(errorLines(run.stderr)).toEqual([
        expect.stringMatching(
          /^stylecast: Chunk 0 \(frames 0–74\) failed 3 time\(s\), last on worker [^ ]+: Disk full while writing .*farm-full-chunk\/chunks\/[0-9a-f]{64}\.nut \(at frame \d+\)$/,
        ),
      ]);
      expect(farmLeftovers(farmDir)).toEqual([]);
    });
  });
});

describe('a chunk job from elsewhere', () => {
  it.each([
    ['width', { width: 120_000 }],
    ['height', { height: 0 }],
  ])(
    'with an impossible %s fails at once in one line; the worker carries on',
    async (field, bad) => {
      const { redis, farmDir } = await freshFarm(`farm-job-${field}`);
      const worker = startWorker(redis.url, farmDir);
      workers.push(worker);
      const queue = new Queue('stylecast-chunks', {
        connection: { host: '127.0.0.1', port: redis.port },
      });
      try {
        const job = await queue.add(
          'chunk',
          {
            version: '0.1.0',
            renderKey: '0'.repeat(16),
            key: '0'.repeat(64),
            index: 0,
            range: { start: 0, count: 1 },
            input: 'inputs/x.mp4',
            fps: 25,
            width: 64,
            height: 48,
            format: { ext: '.mkv', lossless: true, preset: 'veryfast' },
            model: { name: 'tiny', digest: '0' },
            style: {
              kind: 'fixed',
              images: [{ path: 'styles/x.jpg', weight: 1 }],
              preserveColor: false,
            },
            ...bad,
          },
          { attempts: 3 },
        );
        const failed = await new Promise<string>((resolve) => {
          const poll = async (): Promise<void> => {
            const state = await queue.getJob(job.id!);
            if (state?.finishedOn) resolve(`${state.attemptsMade} ${state.failedReason}`);
            else setTimeout(() => void poll(), 50);
          };
          void poll();
        });
        expect(failed).toMatch(
          new RegExp(`^1 on worker [^ ]+: Chunk job is malformed at \`${field}\`: Too (big|small)`),
        );
        expect(worker.child.exitCode).toBeNull();
      } finally {
        await queue.close();
      }
    },
  );
});
