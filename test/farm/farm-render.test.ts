import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chunksDone,
  decodedContent,
  farmLeftovers,
  makeFarmFixture,
  MODEL,
  queueKeys,
  redisLeftovers,
  startWorker,
  stopWorkers,
  type CliProcess,
  type FarmFixture,
} from '../helpers/farm.js';
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { errorLines, runCli, startCli, type CliResult } from '../helpers/run-cli.js';
import { PAINTING, PAINTING_2, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir('stylecast-farm-');
const W = 64;
const H = 48;
let fixture: FarmFixture;
let clip: string;
let localLossless: string;
let redis: TestRedis;
const workers: CliProcess[] = [];
const model = MODEL;

function startWorkers(count: number, farmDir: string, workerModel = MODEL): void {
  for (let i = 0; i < count; i++)
    workers.push(startWorker(redis.url, farmDir, [], { model: workerModel }));
}

function farmRender(args: string[], farmDir: string, farm = redis.url): CliProcess {
  return startCli([
    ...fixture.renderArgs,
    '--farm',
    farm,
    '--farm-dir',
    farmDir,
    '--json',
    ...args,
  ]);
}

beforeAll(async () => {
  redis = await startRedis();
  fixture = await makeFarmFixture(temp.dir);
  ({ clip, localLossless } = fixture);
});

afterEach(() => stopWorkers(workers));

afterAll(async () => {
  await stopWorkers(workers);
  await redis.stop();
  temp.cleanup();
});

describe('stylecast render --farm', () => {
  it('renders on 3 workers exactly what a local render gives, and leaves nothing behind', async () => {
    const farmDir = path.join(temp.dir, 'farm-3');
    mkdirSync(farmDir);
    startWorkers(3, farmDir);
    const output = path.join(temp.dir, 'farm.mkv');
    const run = await farmRender(['--lossless', '--chunk-seconds', '0.5', '-o', output], farmDir)
      .result;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ frames: 75, width: W, height: H, chunks: 6, retries: 0 });
    expect((summary.workers as string[]).length).toBeGreaterThanOrEqual(1);

    const farm = await decodedContent(output);
    expect(farm.video.length).toBe(75);
    expect(farm.audio).toMatch(/^MD5=/);
    expect(farm).toEqual(await decodedContent(localLossless));

    expect(farmLeftovers(farmDir)).toEqual([]); // no chunks, no copies of the input or style
    expect(await redisLeftovers(redis)).toEqual([]);
  });

  it('takes up again the chunk of a worker killed mid-chunk; the output is still exact', async () => {
    const farmDir = path.join(temp.dir, 'farm-kill');
    mkdirSync(farmDir);
    // The victim works alone until it is killed, so chunks are left for it to hold: once it has
    // finished one it holds another (or has not yet handed the first in). A second worker, started
    // after the kill, takes the held chunk up again once its lock expires.
    startWorkers(1, farmDir);
    const victim = workers.at(-1)!;
    const output = path.join(temp.dir, 'farm-kill.mkv');
    const render = farmRender(['--lossless', '--chunk-seconds', '0.4', '-o', output], farmDir);
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        if (!chunk.toString().includes('done')) return;
        victim.child.stderr!.off('data', onData);
        victim.child.kill('SIGKILL');
        resolve();
      };
      victim.child.stderr!.on('data', onData);
    });
    startWorkers(1, farmDir);
    const run = await render.result;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { frames: number; retries: number };
    expect(summary.frames).toBe(75);
    expect(summary.retries).toBeGreaterThanOrEqual(1); // the killed worker's chunk, run again
    expect(await decodedContent(output)).toEqual(await decodedContent(localLossless));
    // Not even the killed worker's partial chunk (`.KEY.nut.PID.partial`) stays.
    expect(farmLeftovers(farmDir)).toEqual([]);
  });

  it.each([
    {
      name: 'variable-rate.mp4',
      // 25 fps for 1.6 s, then 12 fps: ffmpeg calls it 15.5 fps, and resamples to that.
      spec: {
        audio: false,
        filter: "setpts='if(lt(N,40),N/25,1.6+(N-40)/12)/TB'",
        extra: ['-vsync', 'vfr', '-c:v', 'libx264', '-g', '12', '-pix_fmt', 'yuv420p'],
      },
    },
    {
      name: 'starts-at-10s.mp4',
      spec: {
        extra: ['-c:v', 'libx264', '-g', '12', '-pix_fmt', 'yuv420p', '-output_ts_offset', '10'],
      },
    },
  ])('renders $name with the frames and timing of a local render', async ({ name, spec }) => {
    const input = await makeClip(path.join(temp.dir, name), {
      width: W,
      height: H,
      seconds: 4,
      ...spec,
    });
    const render = (extra: string[]): Promise<CliResult> =>
      runCli(['render', input, '--style', PAINTING, ...model, '--lossless', ...extra]);
    const local = path.join(temp.dir, `local-${name}.mkv`);
    expect((await render(['-o', local])).code).toBe(0);
    const farmDir = path.join(temp.dir, `farm-${name}`);
    mkdirSync(farmDir);
    startWorkers(2, farmDir);
    const output = path.join(temp.dir, `farm-${name}.mkv`);
    const farm = ['--farm', redis.url, '--farm-dir', farmDir, '--chunk-seconds', '0.5'];
    const run = await render([...farm, '-o', output]);
    expect(run.code, run.stderr).toBe(0);
    const expected = await decodedContent(local);
    expect(expected.video.length).toBeGreaterThan(60);
    expect(await decodedContent(output)).toEqual(expected);
  });

  it('renders a schedule whose transition straddles a chunk edge exactly as locally', async () => {
    const farmDir = path.join(temp.dir, 'farm-schedule');
    mkdirSync(farmDir);
    const schedule = path.join(temp.dir, 'schedule.yaml');
    // 13-frame chunks end at 0.52 s, 1.04 s, 1.56 s…: the 1.31–1.81 s transition crosses 1.56 s.
    writeFileSync(
      schedule,
      `transition: 0.5\nsegments:\n  - { start: 0, end: 1.56, style: ${JSON.stringify(PAINTING)} }\n  - { start: 1.56, end: 3, style: ${JSON.stringify(PAINTING_2)}, alpha: 0.6 }\n`,
    );
    const render = (extra: string[]): Promise<CliResult> =>
      runCli(['render', clip, '--schedule', schedule, ...model, '--lossless', ...extra]);
    const local = path.join(temp.dir, 'schedule-local.mkv');
    expect((await render(['-o', local])).code).toBe(0);
    startWorkers(2, farmDir);
    const output = path.join(temp.dir, 'schedule-farm.mkv');
    const run = await render([
      '--farm',
      redis.url,
      '--farm-dir',
      farmDir,
      '--chunk-seconds',
      '0.5',
      '-o',
      output,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(await decodedContent(output)).toEqual(await decodedContent(local));
  });

  it('reuses the chunks already done when a killed coordinator is started again', async () => {
    const farmDir = path.join(temp.dir, 'farm-restart');
    mkdirSync(farmDir);
    startWorkers(1, farmDir);
    const output = path.join(temp.dir, 'restart.mkv');
    const args = ['--lossless', '--chunk-seconds', '0.4', '-o', output];
    const first = farmRender(args, farmDir);
    await chunksDone(workers[0]!, 2);
    first.child.kill('SIGKILL');
    await first.result;
    const run = await farmRender(args, farmDir).result;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { chunks: number; reusedChunks: number };
    expect(summary.chunks).toBe(8);
    expect(summary.reusedChunks).toBeGreaterThanOrEqual(2);
    expect(await decodedContent(output)).toEqual(await decodedContent(localLossless));
    expect(readdirSync(path.join(farmDir, 'chunks'))).toEqual([]);
  });

  it('fails in one line naming chunk, worker and cause when a worker has another model', async () => {
    const farmDir = path.join(temp.dir, 'farm-model');
    mkdirSync(farmDir);
    const otherModel = path.join(temp.dir, 'other-model');
    cpSync(TINY_MODEL, otherModel, { recursive: true });
    const card = JSON.parse(readFileSync(path.join(otherModel, 'model.json'), 'utf8')) as object;
    writeFileSync(path.join(otherModel, 'model.json'), JSON.stringify({ ...card, name: 'other' }));
    startWorkers(1, farmDir, ['-m', otherModel, '-d', 'cpu', '--workers', '1', '--threads', '1']);
    const output = path.join(temp.dir, 'other.mp4');
    const run = await farmRender(['-o', output], farmDir).result;
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr).at(-1)).toMatch(
      /^stylecast: Chunk \d+ \(frames \d+–\d+\) failed 1 time\(s\), last on worker [^ ]+:\d+: it runs stylecast [\d.]+ with model other \([0-9a-f]{12}\), the render needs stylecast [\d.]+ with model tiny \([0-9a-f]{12}\)$/,
    );
    expect(readdirSync(temp.dir).filter((name) => name.includes('other.mp4'))).toEqual([]);
    expect(await queueKeys(redis, 'bull:stylecast-renders:render-*')).toEqual([]);
  });

  it('fails in one line when a worker does not see the same farm folder', async () => {
    const farmDir = path.join(temp.dir, 'farm-seen');
    const elsewhere = path.join(temp.dir, 'farm-elsewhere');
    mkdirSync(farmDir);
    mkdirSync(elsewhere);
    startWorkers(1, elsewhere);
    const output = path.join(temp.dir, 'unseen.mov');
    const run = await farmRender(['-o', output], farmDir).result;
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr).at(-1)).toMatch(
      /^stylecast: Chunk \d+ .* on worker [^ ]+: the farm folder .*farm-elsewhere has no (inputs|styles)\/[0-9a-f]{64}\.(mp4|jpg): does every machine mount the same shared folder\?$/,
    );
    expect(readdirSync(temp.dir).filter((name) => name.includes('unseen'))).toEqual([]);
  });

  it('calls a file cut short in its last chunk what a local render calls it, leaving nothing', async () => {
    // Matroska states its duration up front: cut near the end, it promises more than it holds.
    const input = path.join(temp.dir, 'cut.mkv');
    await ffmpeg(['-i', clip, '-c', 'copy', input]);
    truncateSync(input, Math.floor(statSync(input).size * 0.8));
    const render = (extra: string[]): Promise<CliResult> =>
      runCli(['render', input, '--style', PAINTING, ...model, ...extra]);
    const local = await render(['-o', path.join(temp.dir, 'cut-local.mkv')]);
    expect(local.code).toBe(1);
    const line = errorLines(local.stderr).at(-1);
    expect(line).toMatch(
      /^stylecast: .*cut\.mkv is damaged or cut short: decoded \d+ of \d+ frames$/,
    );
    const farmDir = path.join(temp.dir, 'farm-cut');
    mkdirSync(farmDir);
    startWorkers(1, farmDir);
    const output = path.join(temp.dir, 'cut-farm.mkv');
    const farm = ['--farm', redis.url, '--farm-dir', farmDir, '--chunk-seconds', '1'];
    const run = await render([...farm, '-o', output]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr).at(-1)).toBe(line);
    expect(readdirSync(temp.dir).filter((name) => name.includes('cut-farm'))).toEqual([]);
    expect(readdirSync(path.join(farmDir, 'chunks'))).toEqual([]);
    expect(await queueKeys(redis, 'bull:stylecast-renders:render-*')).toEqual([]);
  });

  it('says in one line when Redis cannot be reached, writing nothing', async () => {
    const output = path.join(temp.dir, 'unreachable.mp4');
    const run = await runCli([
      'render',
      clip,
      ...model,
      '--farm',
      'redis://127.0.0.1:1',
      '--farm-dir',
      temp.dir,
      '-o',
      output,
    ]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr).at(-1)).toMatch(
      /^stylecast: Cannot reach the farm's Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    expect(readdirSync(temp.dir).filter((name) => name.includes('unreachable'))).toEqual([]);
  });
});
