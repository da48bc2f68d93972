/**
 * A real RTMP media server for the publishing tests: Debian's nginx (`nginx-light`) with its RTMP
 * module (`libnginx-mod-rtmp`), on a free loopback port, as a child of the test (no daemon, no
 * master process) with its config, log and pid in a temporary folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRtmpServer {
  port: number;
  /** `rtmp://127.0.0.1:PORT/live/NAME`: where to publish and play a stream. */
  streamUrl(name: string): string;
  /** Kills it at once (SIGKILL): publishers see their connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Kills it and removes its folder. */
  remove(): Promise<void>;
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRtmpServer(): Promise<TestRtmpServer> {
  const dir = await mkdtemp(join(tmpdir(), 'stylecast-rtmp-'));
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  await writeFile(
    config,
    [
      'load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;',
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `error_log ${join(dir, 'error.log')} warn;`,
      `pid ${join(dir, 'nginx.pid')};`,
      'events { worker_connections 64; }',
      `rtmp { server { listen 127.0.0.1:${port}; application live { live on; wait_key on; } } }`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', config, '-e', join(dir, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const running = child;
    exited = new Promise((resolve) => running.once('close', () => resolve()));
    for (let tries = 0; !(await accepts(port)); tries++) {
      if (running.exitCode !== null || tries > 100)
        throw new Error(`nginx did not start on port ${port}: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const kill = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await start();
  } catch (error) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    streamUrl: (name) => `rtmp://127.0.0.1:${port}/live/${name}`,
    kill,
    start,
    remove: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
