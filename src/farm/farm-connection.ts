/**
 * The farm's Redis connection from a `redis://[:password@]host:port[/db]` or `rediss://` (TLS)
 * URL. Both sides check that Redis answers first, so an unreachable farm is one clear line.
 */
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { StylecastError } from '../errors.js';

const CONNECT_TIMEOUT_MS = 5000;

/** ioredis options for a farm URL; `worker` connections wait out Redis restarts (BullMQ's rule). */
export function farmRedisOptions(url: string, role: 'worker' | 'coordinator'): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`Expected \`farm\` to be a redis:// or rediss:// URL, got \`${url}\``);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new RangeError(`Expected \`farm\` to be a redis:// or rediss:// URL, got \`${url}\``);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new RangeError(`Expected the Redis database in \`farm\` to be a number, got \`${url}\``);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === 'rediss:' ? { servername: parsed.hostname } : undefined,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A worker rides out a Redis restart; a coordinator reports the loss instead of hanging.
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    lazyConnect: true,
  };
}

/** The URL without its password, for messages. */
export function describeFarm(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Connects and pings once; an unreachable or refusing Redis is a FARM_UNREACHABLE error. */
export async function checkFarmReachable(url: string): Promise<void> {
  const redis = new Redis({ ...farmRedisOptions(url, 'coordinator'), retryStrategy: () => null });
  let cause: Error | null = null; // the socket's error says more than "Connection is closed"
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StylecastError(
      'FARM_UNREACHABLE',
      `Cannot reach the farm's Redis at ${describeFarm(url)}: ${(cause ?? (error as Error)).message}`,
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}
