import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ResolvedOptions } from '../options/define-option.js';
import { poolOptions, renderOptions } from '../options/options.js';
import { refuseInputAsOutput } from '../encode/output-file.js';
import { planRender, renderVideo, type RenderPlan } from '../render/render-video.js';
import type { StyleForFrame } from '../types.js';
import { loadSchedule } from '../schedule/load-schedule.js';
import type { Schedule } from '../schedule/schedule.js';
import { warningLines } from '../schedule/schedule-problem.js';
import { applyConfigFile } from './config-file.js';
import { openStylizer } from '../stylizer/open-stylizer.js';
import { prepareStyle, scheduleStyle, type StyleOptions } from '../stylizer/prepare-style.js';
import { describeRuntime } from './describe-runtime.js';
import { renderFarmCommand } from './farm-render-command.js';
import { farmOptions } from './farm-options.js';
import { options } from './options.js';
import { Reporter } from './reporter.js';
import { renderedFields, wroteLine } from './render-summary.js';
import type { CommandContext } from './command-context.js';

/** What commander hands the action: the shared options resolved, plus the CLI's own. */
type RenderFlags = StyleOptions &
  ResolvedOptions<typeof poolOptions> &
  ResolvedOptions<typeof renderOptions> & {
    schedule?: string;
    output?: string;
    quiet?: boolean;
    json?: boolean;
    farm?: string;
    farmDir?: string;
    chunkSeconds: number;
    farmWait: number;
    farmCa?: string;
  };

/** The bundled 6-second 720p clip (assets/sample/clip.mp4): what `render` with no input stylizes. */
export const SAMPLE_CLIP = fileURLToPath(new URL('../../assets/sample/clip.mp4', import.meta.url));

/** `clip.mp4` → `clip.stylized.mp4` in the current folder (the sample → `stylecast-sample.mp4`). */
export function defaultVideoOutput(input: string, lossless?: boolean): string {
  const ext = lossless ? '.mkv' : '.mp4';
  if (input === SAMPLE_CLIP) return resolve(`stylecast-sample${ext}`);
  return resolve(`${basename(input, extname(input))}.stylized${ext}`);
}

export function registerRenderCommand(program: Command, context: CommandContext): void {
  program
    .command('render')
    .description('stylize a video file (no input: the bundled sample clip and style)')
    .argument('[input]', 'video file')
    .addOption(options.output())
    .addOption(options.style())
    .addOption(options.alpha())
    .addOption(options.preserveColor())
    .addOption(options.schedule())
    .addOption(options.size())
    .addOption(options.model())
    .addOption(options.device())
    .addOption(options.precision())
    .addOption(options.workers())
    .addOption(options.threads())
    .addOption(options.batch())
    .addOption(options.lossless())
    .addOption(options.preset())
    .addOption(options.quiet())
    .addOption(options.json())
    .addOption(options.config())
    .addOption(farmOptions.farm())
    .addOption(farmOptions.farmDir())
    .addOption(farmOptions.chunkSeconds())
    .addOption(farmOptions.farmCa())
    .addOption(farmOptions.farmWait())
    .action(async (inputArg: string | undefined, _flags: RenderFlags, self: Command) => {
      const configFile = await applyConfigFile(self);
      await runRender(inputArg ?? SAMPLE_CLIP, self.opts<RenderFlags>(), configFile, context);
    });
}

/** Checks the render (input, output, schedule) before the model loads; then renders it here or on a farm. */
async function runRender(
  input: string,
  flags: RenderFlags,
  configFile: string | undefined,
  context: CommandContext,
): Promise<void> {
  const output = flags.output ?? defaultVideoOutput(input, flags.lossless);
  const reporter = new Reporter(flags);
  const plan = await planRender(
    {
      input,
      output,
      size: flags.size,
      lossless: flags.lossless,
      preset: flags.preset,
      reads: [configFile, flags.schedule, ...(flags.style ?? []).map((s) => s.path)].filter(
        (path) => path !== undefined,
      ),
    },
    { signal: context.signal },
  );
  // The schedule is checked (every problem, every image) before the model loads.
  const scheduled = flags.schedule
    ? await loadSchedule(flags.schedule, { durationMs: plan.info.durationMs ?? undefined })
    : undefined;
  for (const line of warningLines(scheduled?.warnings ?? [])) reporter.info(line);
  if (scheduled) await refuseInputAsOutput(output, scheduled.schedule.images);
  if (flags.farm || flags.farmDir) {
    await renderFarmCommand(
      plan,
      { ...flags, schedule: scheduled?.schedule, signal: context.signal },
      reporter,
    );
    return;
  }
  await renderHere(plan, flags, scheduled?.schedule, reporter, context);
}

/** Opens the model on this machine, renders the plan, and reports the result. */
async function renderHere(
  plan: RenderPlan,
  flags: RenderFlags,
  schedule: Schedule | undefined,
  reporter: Reporter,
  context: CommandContext,
): Promise<void> {
  const stylizer = await openStylizer({
    ...flags,
    frameSize: plan.frameSize,
    signal: context.signal,
  });
  try {
    let styleFor: StyleForFrame;
    if (schedule) {
      styleFor = await scheduleStyle(stylizer, schedule);
    } else {
      const style = await prepareStyle(stylizer, flags);
      styleFor = () => style;
    }
    reporter.info(
      `Stylizing ${plan.input} with model ${stylizer.model.card.name} on ${describeRuntime(stylizer)}`,
    );
    const result = await renderVideo(stylizer, {
      ...plan,
      styleFor,
      batch: flags.batch,
      signal: context.signal,
      onProgress: (p) => reporter.progress(p.frames, p.totalFrames, p.elapsedMs),
    });
    reporter.result(
      {
        ...renderedFields(result),
        model: stylizer.model.card.name,
        device: stylizer.provider,
        precision: stylizer.precision.precision,
        output: result.output,
        // Worker threads share the process, so this covers inference too (not ffmpeg's).
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      wroteLine(result),
    );
  } finally {
    reporter.stopProgress();
    await stylizer.close();
  }
}
