/**
 * `--precision auto`'s measurements on disk, so that only the first run on a machine pays for
 * them. One JSON file, `precision.json` in `STYLECAST_CACHE` (default `~/.stylecast/cache`), its
 * entries keyed by everything the answer depends on: the CPU, the ONNX Runtime version, both
 * graph files (path, size, modification time), the timed size and the threads per worker.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Size } from '../decode/working-size.js';

export function precisionCachePath(): string {
  const dir = process.env.STYLECAST_CACHE || join(homedir(), '.stylecast', 'cache');
  return join(dir, 'precision.json');
}

const entrySchema = z.object({
  precision: z.enum(['fp32', 'int8']),
  int8Speedup: z.number().positive(),
  fp32Ms: z.number(),
  int8Ms: z.number(),
  measuredAt: z.string(),
});
export type CachedPrecision = z.infer<typeof entrySchema>;

const fileSchema = z.object({
  version: z.literal(1),
  decisions: z.record(z.string(), z.unknown()),
});

/** A different ONNX Runtime can have different int8 kernels: its version is part of the key. */
function runtimeVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** A readable key: `cpu=…; ort=…; /path/stylizer.onnx 3419754 B @1733… ; 1280x720; 1 thread`. */
export async function precisionCacheKey(options: {
  graphs: string[];
  size: Size;
  threads: number;
}): Promise<string> {
  const graphs = await Promise.all(
    options.graphs.map(async (path) => {
      const info = await stat(path);
      return `${path} ${info.size} B @${Math.round(info.mtimeMs)}`;
    }),
  );
  return [
    `cpu=${cpus()[0]?.model.trim() ?? 'unknown'}`,
    `ort=${runtimeVersion()}`,
    ...graphs,
    `${options.size.width}x${options.size.height}`,
    `${options.threads} thread${options.threads === 1 ? '' : 's'}`,
  ].join('; ');
}

/** Every decision in the file; a missing, unreadable or foreign file counts as empty. */
async function readDecisions(path: string): Promise<Record<string, unknown>> {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data.decisions : {};
  } catch {
    return {};
  }
}

export async function readCachedPrecision(key: string): Promise<CachedPrecision | undefined> {
  const entry = entrySchema.safeParse((await readDecisions(precisionCachePath()))[key]);
  return entry.success ? entry.data : undefined;
}

/**
 * Adds one decision, written to a temporary file and renamed, so a reader never sees half a
 * file. A cache that cannot be written (read-only home) costs only a re-measure next time.
 */
export async function writeCachedPrecision(key: string, entry: CachedPrecision): Promise<void> {
  const path = precisionCachePath();
  try {
    const decisions = { ...(await readDecisions(path)), [key]: entry };
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.partial`;
    await writeFile(temp, `${JSON.stringify({ version: 1, decisions }, null, 2)}\n`);
    await rename(temp, path);
  } catch {
    // Nothing to do: the decision still holds for this run.
  }
}
