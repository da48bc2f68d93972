/** A real redis-server (Debian's package) on a free loopback port, for the farm tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface TestRedis {
  port: number;
  url: string;
  /** A client for looking at what the farm left in Redis. */
  client(): Redis;
  stop(): Promise<void>;
  /** Stops it and starts an empty one on the same port (it keeps no data: no RDB, no AOF). */
  restart(): Promise<void>;
}

export interface TestRedisOptions {
  password?: string;
  /** Serve TLS only (`rediss://`), with this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const { password, tls } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert]
    : ['--port', String(port)];
  const tlsArgs = tls
    ? ['--tls-key-file', tls.key, '--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no']
    : [];
  const connect = (): Redis =>
    new Redis({
      port,
      host: '127.0.0.1',
      password,
      tls: tls ? { ca: readFileSync(tls.cert) } : undefined,
      lazyConnect: true,
    });

  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        ...listen,
        ...tlsArgs,
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...(password ? ['--requirepass', password] : []),
      ],
      { stdio: 'ignore' },
    );
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let tries = 0; ; tries++) {
      const probe = connect();
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch (error) {
        probe.disconnect();
        if (tries > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  await launch();
  const auth = password ? `:${password}@` : '';
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    client: connect,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
