/**
 * Farm URLs with a password and with TLS, on a real redis-server (`--requirepass`, `--tls-port`
 * with a self-signed certificate made here by openssl). A password is never printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { farmTestBed, startWorker, stopWorkers } from '../helpers/farm.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { errorLines, runCli, type CliResult } from '../helpers/run-cli.js';

const PASSWORD = 'pw-Never-Printed';
const bed = farmTestBed('stylecast-farm-security-');
const { workers, redises } = bed;

function farmDir(name: string): string {
  const dir = path.join(bed.dir, name);
  mkdirSync(dir);
  return dir;
}

function farmRender(farm: string, dir: string, extra: string[] = []): Promise<CliResult> {
  return runCli([
    ...bed.fixture.renderArgs,
    '--farm',
    farm,
    '--farm-dir',
    dir,
    '--chunk-seconds',
    '1',
    '--json',
    '-o',
    path.join(bed.dir, `${path.basename(dir)}.mp4`),
    ...extra,
  ]);
}

describe('a Redis with a password', () => {
  it('renders with redis://:password@host:port, printing the password nowhere', async () => {
    const redis = await startRedis({ password: PASSWORD });
    redises.push(redis);
    expect(redis.url).toContain(PASSWORD);
    const dir = farmDir('farm-password');
    const worker = startWorker(redis.url, dir);
    workers.push(worker);
    const run = await farmRender(redis.url, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ frames: 75, chunks: 3 });
    await stopWorkers(workers);
    const said = run.stdout + run.stderr + (await worker.result).stderr;
    expect(said).not.toContain(PASSWORD);
  });

  it('a wrong or missing password is one line, with the password hidden', async () => {
    const redis = await startRedis({ password: PASSWORD });
    redises.push(redis);
    const dir = farmDir('farm-wrong');
    const wrong = await farmRender(`redis://:${PASSWORD}-wrong@127.0.0.1:${redis.port}`, dir);
    expect(wrong.code).toBe(1);
    expect(errorLines(wrong.stderr)).toEqual([
      `stylecast: Cannot reach the farm's Redis at redis://:***@127.0.0.1:${redis.port}: WRONGPASS invalid username-password pair or user is disabled.`,
    ]);
    const none = await runCli([
      'worker',
      '--farm',
      `redis://127.0.0.1:${redis.port}`,
      '--farm-dir',
      dir,
    ]);
    expect(none.code).toBe(1);
    expect(errorLines(none.stderr)).toEqual([
      `stylecast: Cannot reach the farm's Redis at redis://127.0.0.1:${redis.port}: NOAUTH Authentication required.`,
    ]);
    const notRedis = await runCli([
      'worker',
      '--farm',
      `http://:${PASSWORD}@host`,
      '--farm-dir',
      dir,
    ]);
    expect(errorLines(notRedis.stderr)).toEqual([
      'stylecast: Expected `farm` to be a redis:// or rediss:// URL, got `http://:***@host`',
    ]);
    expect(notRedis.stderr).not.toContain(PASSWORD);
  });
});

describe('a Redis over TLS (rediss://)', () => {
  let ca: string;
  let redis: TestRedis;
  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1: it is its own certificate authority.
    ca = path.join(bed.dir, 'redis.crt');
    const key = path.join(bed.dir, 'redis.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=stylecast test redis',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        ca,
      ],
      { stdio: 'ignore' },
    );
    redis = await startRedis({ tls: { cert: ca, key } });
  });
  afterAll(() => redis.stop());

  it('renders with --farm-ca naming the certificate authority', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const dir = farmDir('farm-tls');
    workers.push(startWorker(redis.url, dir, ['--farm-ca', ca]));
    const run = await farmRender(redis.url, dir, ['--farm-ca', ca]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ frames: 75, chunks: 3 });
  });

  it('without the certificate authority, says in one line that the certificate is not trusted', async () => {
    const run = await farmRender(redis.url, farmDir('farm-untrusted'));
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      `stylecast: Cannot reach the farm's Redis at ${redis.url}: self-signed certificate`,
    ]);
    const missing = await farmRender(redis.url, farmDir('farm-no-ca'), ['--farm-ca', 'no.pem']);
    expect(errorLines(missing.stderr)).toEqual([
      expect.stringMatching(
        /^stylecast: Cannot read the farm's certificate authority `no\.pem`: ENOENT/,
      ),
    ]);
  });
});
