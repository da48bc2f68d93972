/**
 * The farm's Redis connection from a `redis://[:password@]host:port[/db]` or `rediss://` (TLS)
 * URL. Both sides check that Redis answers first, so an unreachable farm is one clear line; a
 * Redis lost later is waited for (a restart takes seconds), but only for so long.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { StylecastError } from '../errors.js';

const CONNECT_TIMEOUT_MS = 5000;
/** How long a lost Redis is waited for by default before the farm gives up on it. */
export const DEFAULT_FARM_WAIT_MS = 30_000;

export interface FarmConnectionOptions {
  /** How long a lost Redis is waited for; then every command fails and `onGiveUp` is called. */
  waitMs?: number;
  onGiveUp?: () => void;
  /** A PEM file of the certificate authority that signed a `rediss://` server's certificate. */
  caFile?: string;
}

/** The URL with its password hidden, for messages; never print a farm URL any other way. */
export function describeFarm(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    // Unparsed: everything between the user name and the last `@` may be password.
    return url.replace(/\/\/([^/@:]*):.*@/, '//$1:***@');
  }
}

/** ioredis options for a farm URL (which it validates). */
export function farmRedisOptions(url: string, options: FarmConnectionOptions = {}): RedisOptions {
  const bad = (what: string): RangeError =>
    new RangeError(`Expected ${what}, got \`${describeFarm(url)}\``);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('`farm` to be a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw bad('`farm` to be a redis:// or rediss:// URL');
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw bad('the Redis database in `farm` to be a number');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const waitMs = options.waitMs ?? DEFAULT_FARM_WAIT_MS;
  let lostSince = 0;
  return {
    host,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls:
      parsed.protocol === 'rediss:'
        ? {
            // An IP address is checked against the certificate's IP entries, not sent as SNI.
            servername: isIP(host) ? undefined : host,
            ca: options.caFile ? readCa(options.caFile) : undefined,
          }
        : undefined,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Commands wait while Redis is away (BullMQ's rule for workers) and fail once it has been
    // away for `waitMs`: a restart is ridden out, a Redis that is gone is reported.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => {
      const now = Date.now();
      if (times === 1) lostSince = now;
      if (now - lostSince < waitMs) return Math.min(times * 100, 1000);
      options.onGiveUp?.();
      return null;
    },
    lazyConnect: true,
  };
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StylecastError(
      'BAD_OPTION',
      `Cannot read the farm's certificate authority \`${path}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Connects and pings once; an unreachable or refusing Redis is a FARM_UNREACHABLE error. */
export async function checkFarmReachable(
  url: string,
  options: FarmConnectionOptions = {},
): Promise<void> {
  const redis = new Redis({
    ...farmRedisOptions(url, options),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
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
