/** What the farm tests share: worker processes, and the content of a render to compare. */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ffmpegPath } from '../../src/ffmpeg.js';
import { makeClip, tempDir } from './media.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { runCli, startCli } from './run-cli.js';
import { PAINTING, TINY_MODEL } from './tiny-model.js';

export type CliProcess = ReturnType<typeof startCli>;

/** The tiny model on one CPU thread: what every farm test renders with, locally or on the farm. */
export const MODEL = ['-m', TINY_MODEL, '-d', 'cpu', '--workers', '1', '--threads', '1'];

/**
 * Every decoded video frame as `pts duration md5-of-RGB24` (no frame dropped or duplicated), and
 * an MD5 of the decoded audio: frames, their timing, their pixels and the sound, compared at once.
 */
export async function decodedContent(file: string): Promise<{ video: string[]; audio: string }> {
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(ffmpegPath(), [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        file,
        ...args,
      ]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('close', () => resolve(out));
    });
  const video = (
    await run([
      '-map',
      '0:v:0',
      '-vsync',
      'passthrough',
      '-pix_fmt',
      'rgb24',
      '-f',
      'framemd5',
      '-',
    ])
  )
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').slice(2).join(',').trim());
  const audio = await run(['-map', '0:a:0', '-f', 'md5', '-']);
  return { video, audio };
}

/** The Redis keys matching `pattern`: what a render left in the queues. */
export async function queueKeys(redis: TestRedis, pattern: string): Promise<string[]> {
  const client = redis.client();
  await client.connect();
  try {
    return await client.keys(pattern);
  } finally {
    client.disconnect();
  }
}

/** Keys every BullMQ queue keeps for itself, whatever its jobs: not a render's leftovers. */
const QUEUE_OWN_KEYS = /^bull:[^:]+:(meta|id|events|stalled-check|marker)$/;

/**
 * What renders left in Redis: their jobs and the queues' lists of them (`bull:…`), and their holds
 * on the farm folder's files (`stylecast:…`).
 */
export async function redisLeftovers(redis: TestRedis): Promise<string[]> {
  const keys = [...(await queueKeys(redis, 'bull:*')), ...(await queueKeys(redis, 'stylecast:*'))];
  return keys.filter((key) => !QUEUE_OWN_KEYS.test(key)).sort();
}

/** Every file under the farm folder, relative to it: what a render left there. */
export function farmLeftovers(farmDir: string): string[] {
  return readdirSync(farmDir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(farmDir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Farm-relative names of finished chunks (a file and its record): what a failed render keeps. */
export const FINISHED_CHUNK = /^chunks\/[0-9a-f]{64}\.(nut|json)$/;

/** A render's farm flags: this Redis and folder, lossless, 0.4 s chunks, a JSON summary. */
export function losslessFarmArgs(redis: TestRedis, farmDir: string): string[] {
  return [
    '--farm',
    redis.url,
    '--farm-dir',
    farmDir,
    '--lossless',
    '--chunk-seconds',
    '0.4',
    '--json',
  ];
}

/** A `stylecast worker` process on `farm` (a 2 s stall timeout unless `extra` says otherwise). */
export function startWorker(
  farm: string,
  farmDir: string,
  extra: string[] = [],
  options: { model?: string[]; env?: NodeJS.ProcessEnv } = {},
): CliProcess {
  return startCli(
    [
      'worker',
      '--farm',
      farm,
      '--farm-dir',
      farmDir,
      ...(options.model ?? MODEL),
      '--stall-seconds',
      '2',
      ...extra,
    ],
    { env: options.env },
  );
}

/** Stops the workers that still run (SIGTERM) and waits for them all to exit. */
export async function stopWorkers(workers: CliProcess[]): Promise<void> {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.result));
  workers.length = 0;
}

/** Resolves when `worker` has said `count` times that it finished a chunk. */
export function chunksDone(worker: CliProcess, count = 1): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString().split(' done').length - 1;
      if (seen < count) return;
      worker.child.stderr!.off('data', onData);
      resolve();
    };
    worker.child.stderr!.on('data', onData);
  });
}

export interface FarmFixture {
  /** A 3 s 64×48 clip at 25 fps, with sound. */
  clip: string;
  /** `render` of the clip with the style every farm test uses (add `--farm …` or `-o …`). */
  renderArgs: string[];
  /** The clip rendered locally with `--lossless`: what an exact farm render matches. */
  localLossless: string;
}

export async function makeFarmFixture(dir: string): Promise<FarmFixture> {
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, seconds: 3 });
  const renderArgs = ['render', clip, '--style', PAINTING, '--alpha', '0.8', ...MODEL];
  const localLossless = join(dir, 'local.mkv');
  const local = await runCli([...renderArgs, '--lossless', '-o', localLossless]);
  if (local.code !== 0) throw new Error(local.stderr);
  return { clip, renderArgs, localLossless };
}

/**
 * What a farm test file sets up: a folder, the fixture made once in it, and the workers and Redis
 * servers each test starts (push them here), stopped after every test.
 */
export function farmTestBed(prefix: string): {
  dir: string;
  readonly fixture: FarmFixture;
  workers: CliProcess[];
  redises: TestRedis[];
  freshFarm(name: string): Promise<{ redis: TestRedis; farmDir: string }>;
} {
  const temp = tempDir(prefix);
  const workers: CliProcess[] = [];
  const redises: TestRedis[] = [];
  let fixture: FarmFixture | undefined;
  beforeAll(async () => {
    fixture = await makeFarmFixture(temp.dir);
  });
  afterEach(async () => {
    await stopWorkers(workers);
    await Promise.all(redises.map((redis) => redis.stop()));
    redises.length = 0;
  });
  afterAll(() => temp.cleanup());
  return {
    dir: temp.dir,
    get fixture() {
      if (!fixture) throw new Error('the farm fixture is made in beforeAll');
      return fixture;
    },
    workers,
    redises,
    /** A Redis of its own (stopped after the test) and an empty farm folder `NAME` in the bed. */
    async freshFarm(name) {
      const redis = await startRedis();
      redises.push(redis);
      const farmDir = join(temp.dir, name);
      mkdirSync(farmDir);
      return { redis, farmDir };
    },
  };
}
