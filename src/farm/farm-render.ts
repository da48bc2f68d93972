/**
 * A render on the farm: `renderOnFarm` checks the farm (its Redis answers, its folder is there),
 * clears out chunks no render has used for a week, and runs a `FarmCoordinator` (see
 * `farm-coordinator.ts`) for the render.
 */
import { stat } from 'node:fs/promises';
import type { RenderPlan, RenderResult } from '../render/render-video.js';
import { StylecastError } from '../errors.js';
import type { ModelFiles } from '../infer/load-model.js';
import { sweepOldChunks } from './chunk-record.js';
import { checkFarmReachable } from './farm-connection.js';
import { FarmCoordinator } from './farm-coordinator.js';
import type { RenderStyle } from './farm-style.js';

export interface FarmRenderOptions extends RenderStyle {
  farm: string;
  farmDir: string;
  chunkSeconds: number;
  model: ModelFiles;
  /** How long a lost Redis is waited for before the render fails. */
  waitMs?: number;
  /** A PEM certificate authority for a `rediss://` farm. */
  caFile?: string;
  /** Tries per chunk before the render fails. */
  attempts?: number;
  signal?: AbortSignal;
  onProgress?: (progress: FarmProgress) => void;
}

export interface FarmProgress {
  frames: number;
  totalFrames: number;
  elapsedMs: number;
  workers: number;
}

export interface FarmRenderResult extends RenderResult {
  chunks: number;
  /** Chunks found already done (a restarted render). */
  reusedChunks: number;
  /** The workers that rendered chunks, by name. */
  workers: string[];
  /** Extra tries: failed attempts and stalled (killed) workers' chunks taken up again. */
  retries: number;
  /** Where the time went: preparing (hashing, copying, enqueueing), the chunks, the join. */
  phaseSeconds: { prepare: number; chunks: number; join: number };
}

export async function renderOnFarm(
  plan: RenderPlan,
  options: FarmRenderOptions,
): Promise<FarmRenderResult> {
  const started = performance.now();
  await checkFarmReachable(options.farm, { caFile: options.caFile });
  await checkFarmDir(options.farmDir);
  await sweepOldChunks(options.farmDir);
  return new FarmCoordinator(plan, options, started).run();
}

async function checkFarmDir(farmDir: string): Promise<void> {
  const info = await stat(farmDir).catch(() => null);
  if (!info?.isDirectory())
    throw new StylecastError('FARM_DIR_MISMATCH', `Farm folder does not exist: ${farmDir}`);
}
