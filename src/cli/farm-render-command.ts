/** `stylecast render --farm …`: the render split into chunks for the farm's workers. */
import { resolve } from 'node:path';
import { StylecastError } from '../errors.js';
import { renderOnFarm } from '../farm/farm-render.js';
import { loadModel } from '../infer/load-model.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import type { RenderPlan } from '../render/render-video.js';
import type { Schedule } from '../schedule/schedule.js';
import type { Reporter } from './reporter.js';
import { renderedFields, wroteLine } from './render-summary.js';

export interface FarmRenderFlags {
  farm?: string;
  farmDir?: string;
  chunkSeconds: number;
  farmWait: number;
  farmCa?: string;
  model: string;
  style?: StyleChoice[];
  alpha?: number | number[];
  preserveColor?: boolean;
  schedule?: Schedule;
  signal?: AbortSignal;
}

export async function renderFarmCommand(
  plan: RenderPlan,
  flags: FarmRenderFlags,
  reporter: Reporter,
): Promise<void> {
  if (!flags.farm || !flags.farmDir)
    throw new StylecastError('BAD_OPTION', 'A farm render needs both `--farm` and `--farm-dir`');
  const model = await loadModel(flags.model);
  reporter.info(`Stylizing ${plan.input} on the farm with model ${model.card.name}`);
  try {
    const result = await renderOnFarm(plan, {
      farm: flags.farm,
      farmDir: resolve(flags.farmDir),
      chunkSeconds: flags.chunkSeconds,
      waitMs: flags.farmWait * 1000,
      caFile: flags.farmCa,
      model,
      style: flags,
      schedule: flags.schedule,
      signal: flags.signal,
      onProgress: (p) =>
        reporter.progress(p.frames, p.totalFrames, p.elapsedMs, `${p.workers} workers`),
    });
    reporter.result(
      {
        ...renderedFields(result),
        model: model.card.name,
        output: result.output,
        chunks: result.chunks,
        reusedChunks: result.reusedChunks,
        workers: result.workers,
        retries: result.retries,
        phaseSeconds: result.phaseSeconds,
      },
      wroteLine(result, `, ${result.chunks} chunks on ${result.workers.length} workers`),
    );
  } finally {
    reporter.stopProgress();
  }
}
