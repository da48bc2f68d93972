/**
 * Which stylizer graph runs: the float `stylizer` or its int8 variant `stylizerInt8`. int8 is
 * faster only on CPUs with fast int8 dot products (VNNI, AMX) and can be slower elsewhere, so
 * `auto` never assumes: it times both graphs once on this machine, at the working size, and keeps
 * the answer in a cache on disk (precision-cache.ts). The decisions here are pure functions; the
 * pool supplies the timing.
 */
import { StylecastError } from '../errors.js';
import { SIZE_720P, type Size } from '../decode/working-size.js';
import type { Device } from './execution-provider.js';
import type { ModelFiles } from './load-model.js';
import { precisionCacheKey, readCachedPrecision, writeCachedPrecision } from './precision-cache.js';

export const PRECISIONS = ['auto', 'fp32', 'int8'] as const;
export type PrecisionRequest = (typeof PRECISIONS)[number];
export type Precision = Exclude<PrecisionRequest, 'auto'>;

export function parsePrecision(text: string): PrecisionRequest {
  if ((PRECISIONS as readonly string[]).includes(text)) return text as PrecisionRequest;
  throw new RangeError(
    `Expected \`precision\` to be one of ${PRECISIONS.join(', ')}, got \`${text}\``,
  );
}

/**
 * How the running precision was decided: `asked` for `fp32`/`int8`; `only` for a model without
 * an int8 variant; `provider` when a GPU provider runs (the variant is a CPU graph); `measured`
 * or `cached` for `auto` on the CPU.
 */
export type PrecisionReason = 'asked' | 'only' | 'provider' | 'measured' | 'cached';

export interface PrecisionChoice {
  precision: Precision;
  reason: PrecisionReason;
  /** fp32's time per frame ÷ int8's (above 1: int8 is faster), where both were timed. */
  int8Speedup?: number;
}

/** What the first worker opens: the graph that runs, or `both` for `auto` to time them. */
export type StylizerPlan =
  | { open: Precision; reason: 'asked' | 'only' | 'provider'; cpuOnly: boolean }
  | { open: 'both'; cpuOnly: false };

/**
 * Turns `--precision` into what to open, before any worker starts. `int8` is refused, in one
 * line, for a model without the variant or an explicit GPU device; with `--device auto` it means
 * the CPU, the only provider the int8 graph is made for.
 */
export function planStylizers(
  request: PrecisionRequest,
  model: Pick<ModelFiles, 'card' | 'stylizerInt8Path'>,
  device: Device,
): StylizerPlan {
  const hasInt8 = model.stylizerInt8Path !== undefined;
  if (request === 'int8') {
    if (!hasInt8) {
      throw new StylecastError(
        'BAD_OPTION',
        `\`--precision int8\`: model \`${model.card.name}\` has no int8 variant (its model.json names no \`stylizerInt8\`)`,
      );
    }
    if (device !== 'auto' && device !== 'cpu') {
      throw new StylecastError(
        'BAD_OPTION',
        `\`--precision int8\` runs on the CPU provider only, got \`--device ${device}\` (use --device cpu, or --precision auto)`,
      );
    }
    return { open: 'int8', reason: 'asked', cpuOnly: true };
  }
  if (request === 'fp32') return { open: 'fp32', reason: 'asked', cpuOnly: false };
  if (!hasInt8) return { open: 'fp32', reason: 'only', cpuOnly: false };
  if (device !== 'auto' && device !== 'cpu')
    return { open: 'fp32', reason: 'provider', cpuOnly: false };
  return { open: 'both', cpuOnly: false };
}

/** Per-frame milliseconds of each graph, timed side by side on one worker. */
export interface StylizerTimes {
  fp32Ms: number[];
  int8Ms: number[];
}

/** How the timing runs: warm-up rounds, then timed rounds until `budgetMs` (at least `minRounds`). */
export const TIMING = { warmup: 2, rounds: 5, minRounds: 3, budgetMs: 1500 } as const;

/**
 * int8 loses a little accuracy, so it must win clearly: within this ratio the two are the same
 * speed as far as a few frames on a busy machine can tell, and fp32 runs.
 */
export const INT8_MARGIN = 1.05;

/** The larger frames get, the longer timing takes; the ratio between the graphs hardly moves. */
const MAX_TIMED_PIXELS = SIZE_720P.width * SIZE_720P.height;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('Expected at least one value for a median');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The faster graph by median time per frame; int8 only when it beats `INT8_MARGIN`. */
export function pickPrecision(times: StylizerTimes): { precision: Precision; int8Speedup: number } {
  const int8Speedup = median(times.fp32Ms) / median(times.int8Ms);
  return { precision: int8Speedup >= INT8_MARGIN ? 'int8' : 'fp32', int8Speedup };
}

/** The size to time at: the working size, scaled down (aspect kept) to at most 1280×720's pixels. */
export function timedSize(working: Size): Size {
  const scale = Math.min(1, Math.sqrt(MAX_TIMED_PIXELS / (working.width * working.height)));
  return {
    width: Math.max(1, Math.round(working.width * scale)),
    height: Math.max(1, Math.round(working.height * scale)),
  };
}

/** `int8 (1.31x faster than fp32 here, measured)`, or just `fp32`: for the CLI's lines. */
export function describePrecision(choice: PrecisionChoice): string {
  const { precision, reason, int8Speedup } = choice;
  if ((reason !== 'measured' && reason !== 'cached') || int8Speedup === undefined) return precision;
  const ratio = `${int8Speedup.toFixed(2)}x`;
  return precision === 'int8'
    ? `int8 (${ratio} faster than fp32 here, ${reason})`
    : `fp32 (int8 only ${ratio} as fast here, ${reason})`;
}

export interface MeasureOptions {
  model: Pick<ModelFiles, 'stylizerPath' | 'stylizerInt8Path'>;
  /** The working size; timing runs at `timedSize` of it. */
  size: Size;
  threads: number;
  /** Times both graphs on the worker that will run them. */
  time: (size: Size) => Promise<StylizerTimes>;
}

/** `auto` on the CPU: the cached decision for this machine, model and shape, or a new one. */
export async function chooseByMeasuring(options: MeasureOptions): Promise<PrecisionChoice> {
  const int8Path = options.model.stylizerInt8Path;
  if (!int8Path) throw new Error('chooseByMeasuring needs a model with an int8 variant');
  const size = timedSize(options.size);
  const key = await precisionCacheKey({
    graphs: [options.model.stylizerPath, int8Path],
    size,
    threads: options.threads,
  });
  const cached = await readCachedPrecision(key);
  if (cached)
    return { precision: cached.precision, reason: 'cached', int8Speedup: cached.int8Speedup };
  const times = await options.time(size);
  const picked = pickPrecision(times);
  await writeCachedPrecision(key, {
    precision: picked.precision,
    int8Speedup: Number(picked.int8Speedup.toFixed(3)),
    fp32Ms: Number(median(times.fp32Ms).toFixed(2)),
    int8Ms: Number(median(times.int8Ms).toFixed(2)),
    measuredAt: new Date().toISOString(),
  });
  return { ...picked, reason: 'measured' };
}
