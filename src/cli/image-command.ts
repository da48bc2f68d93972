import { availableParallelism } from 'node:os';
import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ResolvedOptions } from '../options/define-option.js';
import { LIMITS, poolOptions, renderOptions } from '../options/options.js';
import { imageWorkingSize, renderImage } from '../render/render-image.js';
import { refuseInputAsOutput } from '../encode/output-file.js';
import { applyConfigFile } from './config-file.js';
import { openStylizer } from '../stylizer/open-stylizer.js';
import { prepareStyle, type StyleOptions } from '../stylizer/prepare-style.js';
import { options } from './options.js';
import { Reporter } from './reporter.js';
import type { CommandContext } from './command-context.js';

type ImageFlags = StyleOptions &
  ResolvedOptions<typeof poolOptions> &
  Pick<ResolvedOptions<typeof renderOptions>, 'size'> & {
    output?: string;
    quiet?: boolean;
    json?: boolean;
  };

export function registerImageCommand(program: Command, context: CommandContext): void {
  program
    .command('image')
    .description('stylize a still image')
    .argument('<input>', 'image file (JPEG, PNG, WebP, TIFF, …)')
    .addOption(options.output())
    .addOption(options.style())
    .addOption(options.alpha())
    .addOption(options.preserveColor())
    .addOption(options.size())
    .addOption(options.model())
    .addOption(options.device())
    .addOption(options.precision())
    .addOption(options.threads())
    .addOption(options.quiet())
    .addOption(options.json())
    .addOption(options.config())
    .action(async (input: string, _flags: ImageFlags, self: Command) => {
      const configFile = await applyConfigFile(self);
      const flags = self.opts<ImageFlags>();
      const output = flags.output ?? resolve(`${basename(input, extname(input))}.stylized.png`);
      const reporter = new Reporter(flags);
      const reads = [configFile, ...(flags.style ?? []).map((s) => s.path)];
      // Checked before the model loads; renderImage checks again against the image it reads.
      await refuseInputAsOutput(output, [input, ...reads]);
      // One image: one worker, given every thread.
      const stylizer = await openStylizer({
        ...flags,
        frameSize: await imageWorkingSize(input, flags.size),
        workers: 1,
        threads: flags.threads ?? Math.min(availableParallelism(), LIMITS.threads),
        signal: context.signal,
      });
      try {
        const style = await prepareStyle(stylizer, flags);
        const result = await renderImage(stylizer, {
          input,
          output,
          style,
          size: flags.size,
          reads: reads.filter((path) => path !== undefined),
          signal: context.signal,
        });
        reporter.result(
          {
            frames: 1,
            seconds: Number(result.seconds.toFixed(3)),
            width: result.width,
            height: result.height,
            model: stylizer.model.card.name,
            device: stylizer.provider,
            precision: stylizer.precision.precision,
            output: result.output,
          },
          `Wrote ${result.output} (${result.width}x${result.height}, ${result.seconds.toFixed(2)} s)`,
        );
      } finally {
        await stylizer.close();
      }
    });
}
