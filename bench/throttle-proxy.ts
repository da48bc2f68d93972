/**
 * For `bench:live`: a TCP proxy that passes what the server sends on at most `bitsPerSecond` (a
 * token bucket refilled every 10 ms), as a slow home connection would, and what the client sends
 * as it comes. A viewer opened through it (the page and its socket) is a throttled viewer; the
 * server sees its socket back up, exactly as with a real slow link.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

const TICK_MS = 10;
/** Bytes held in the proxy before it stops reading from the server (TCP then pushes back). */
const HOLD_BYTES = 64 * 1024;

/** Relays `from` → `to` at most `bitsPerSecond`. */
class ThrottledRelay {
  private queue: Buffer[] = [];
  private queued = 0;
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly bytesPerMs: number,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (this.queued > HOLD_BYTES) from.pause();
    });
    this.timer = setInterval(() => this.release(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private release(): void {
    const now = performance.now();
    let allowance = Math.floor((now - this.last) * this.bytesPerMs);
    this.last = now;
    while (allowance > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      const part = head.subarray(0, allowance);
      this.to.write(part);
      allowance -= part.length;
      this.queued -= part.length;
      if (part.length === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(part.length);
    }
    if (this.queued <= HOLD_BYTES) this.from.resume();
  }
}

export async function startThrottleProxy(
  targetPort: number,
  bitsPerSecond: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const relay = new ThrottledRelay(upstream, client, bitsPerSecond / 8 / 1000);
    client.pipe(upstream);
    const end = () => {
      relay.stop();
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        end();
      });
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
