/**
 * Who still needs what in the farm folder. Renders that share files (the same input, style images
 * or, for the same settings, the very same chunks) each hold them in Redis; a file is removed only
 * by the last render to let go of it, and while it is being removed nobody can take it up again.
 * A hold lasts until a time the holder sets (a sorted set scored by it) and is renewed well before
 * it: one whose holder went silent (a killed coordinator) lapses, and one on this machine whose
 * process is gone is dropped at once.
 *
 * A resource is a farm-relative file (`inputs/HASH.mp4`, `styles/HASH.jpg`) or a render's chunks
 * and queue entries (`render:KEY`).
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { isProcessRunning } from '../process-running.js';

/** How often a holder renews its holds, and how long a silent one keeps them at least. */
export const RENEW_MS = 5000;
export const HOLD_MS = 30_000;
/** Longest a removal may take before another render can take the resource up anyway. */
const CLEANING_MS = 60_000;
const RETRY_MS = 100;

const holdsKey = (resource: string): string => `stylecast:holds:${resource}`;
const cleaningKey = (resource: string): string => `stylecast:cleaning:${resource}`;
/** For each resource, its holds key then its cleaning key. */
const keysOf = (resources: readonly string[]): string[] =>
  resources.flatMap((resource) => [holdsKey(resource), cleaningKey(resource)]);

const NOW_MS = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** Holds every resource, or none while any is being removed (returns 0). ARGV: holder, ms. */
const HOLD = `${NOW_MS}
for i = 2, #KEYS, 2 do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end
for i = 1, #KEYS, 2 do redis.call('ZADD', KEYS[i], now + tonumber(ARGV[2]), ARGV[1]) end
return 1`;

/**
 * Lets go of every resource; returns the (1-based) positions of those nobody else holds now, each
 * marked as being removed. ARGV: holder, cleaning ms.
 */
const RELEASE = `${NOW_MS}
local free = {}
for i = 1, #KEYS, 2 do
  redis.call('ZREM', KEYS[i], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) == 0 then
    redis.call('SET', KEYS[i + 1], ARGV[1], 'PX', ARGV[2])
    table.insert(free, (i + 1) / 2)
  end
end
return free`;

/** Whether anyone holds the resource (a hold not yet lapsed). */
const HELD = `${NOW_MS}
return redis.call('ZCOUNT', KEYS[1], now, '+inf')`;

export class FarmHolds {
  private readonly held = new Set<string>();
  private renewal: NodeJS.Timeout | undefined;

  /**
   * `redis` is this holder's own connection; `holder` names it uniquely (host, pid, a nonce);
   * `holdMs`, how long a hold lasts unless renewed: longer than the holder waits for a lost Redis,
   * so a Redis that comes back finds its holds still there.
   */
  constructor(
    private readonly redis: Redis,
    readonly holder: string,
    private readonly holdMs = HOLD_MS,
  ) {}

  /** Holds `resources`, waiting while another render removes any of them. */
  async hold(resources: readonly string[]): Promise<void> {
    const keys = keysOf(resources);
    while (!(await this.redis.eval(HOLD, keys.length, ...keys, this.holder, this.holdMs)))
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    for (const resource of resources) this.held.add(resource);
    this.renewal ??= setInterval(() => void this.renew().catch(() => {}), RENEW_MS).unref();
  }

  /** Holds again everything held (a Redis that came back without its data has lost them). */
  async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const keys = keysOf([...this.held]);
    await this.redis.eval(HOLD, keys.length, ...keys, this.holder, this.holdMs);
  }

  /**
   * Lets go of `resources` and returns those nobody holds any more: the caller removes them, then
   * calls `removed` with them.
   */
  async release(resources: readonly string[]): Promise<string[]> {
    const mine = resources.filter((resource) => this.held.has(resource));
    for (const resource of mine) this.held.delete(resource);
    if (this.held.size === 0) clearInterval(this.renewal);
    if (mine.length === 0) return [];
    await this.forgetDead(mine);
    const free = (await this.redis.eval(
      RELEASE,
      mine.length * 2,
      ...keysOf(mine),
      this.holder,
      CLEANING_MS,
    )) as number[];
    return free.map((position) => mine[position - 1]!);
  }

  /**
   * Drops the holds of holders on this machine whose process is gone (a killed coordinator), so
   * a rerun here need not wait for them to lapse to be the last holder.
   */
  private async forgetDead(resources: readonly string[]): Promise<void> {
    const host = hostname();
    for (const resource of resources) {
      const holders = await this.redis.zrange(holdsKey(resource), 0, -1);
      const dead = holders.filter((holder) => {
        const [holderHost, pid] = holder.split(':');
        return holderHost === host && !isProcessRunning(Number(pid));
      });
      if (dead.length > 0) await this.redis.zrem(holdsKey(resource), ...dead);
    }
  }

  /** Says that `resources`, released by this holder, are removed: others may take them up. */
  async removed(resources: readonly string[]): Promise<void> {
    if (resources.length > 0) await this.redis.del(...resources.map(cleaningKey));
  }

  /** Stops renewing (the holds lapse unless released). */
  stop(): void {
    clearInterval(this.renewal);
  }
}

/** Whether any live holder holds `resource` (a worker asks whether a chunk is still wanted). */
export async function isHeld(redis: Redis, resource: string): Promise<boolean> {
  return Number(await redis.eval(HELD, 1, holdsKey(resource))) > 0;
}

/** The resource that stands for a render's chunks and queue entries. */
export const renderResource = (renderKey: string): string => `render:${renderKey}`;
