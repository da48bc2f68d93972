import { resolve } from 'node:path';
import type { Command } from 'commander';
import { StylecastError } from '../errors.js';
import { modelDigest } from '../farm/content-hash.js';
import { checkFarmReachable } from '../farm/farm-connection.js';
import { runFarmWorker } from '../farm/farm-worker.js';
import type { ResolvedOptions } from '../options/define-option.js';
import type { poolOptions, renderOptions } from '../options/options.js';
import type { CommandContext } from './command-context.js';
import { farmOptions } from './farm-options.js';
import { openStylizer } from '../stylizer/open-stylizer.js';
import { describeRuntime } from './describe-runtime.js';
import { options } from './options.js';
import { stat } from 'node:fs/promises';

type WorkerFlags = ResolvedOptions<typeof poolOptions> &
  Pick<ResolvedOptions<typeof renderOptions>, 'batch'> & {
    farm?: string;
    farmDir?: string;
    concurrency: number;
    stallSeconds: number;
    farmWait: number;
    farmCa?: string;
    quiet?: boolean;
  };

export function registerWorkerCommand(program: Command, context: CommandContext): void {
  program
    .command('worker')
    .description('render chunks for a render farm (see `render --farm`) until stopped')
    .addOption(farmOptions.farm().makeOptionMandatory())
    .addOption(farmOptions.farmDir().makeOptionMandatory())
    .addOption(farmOptions.farmCa())
    .addOption(farmOptions.farmWait())
    .addOption(options.model())
    .addOption(options.device())
    .addOption(options.precision())
    .addOption(options.workers())
    .addOption(options.threads())
    .addOption(options.batch())
    .addOption(farmOptions.concurrency())
    .addOption(farmOptions.stallSeconds())
    .addOption(options.quiet())
    .action(async (flags: WorkerFlags) => {
      const farmDir = resolve(flags.farmDir!);
      if (!(await stat(farmDir).catch(() => null))?.isDirectory())
        throw new StylecastError('FARM_DIR_MISMATCH', `Farm folder does not exist: ${farmDir}`);
      await checkFarmReachable(flags.farm!, { caFile: flags.farmCa });
      const stylizer = await openStylizer({ ...flags, signal: context.signal });
      const say = (line: string): void => {
        if (!flags.quiet) process.stderr.write(`${line}\n`);
      };
      try {
        say(`Rendering chunks on ${describeRuntime(stylizer)}`);
        await runFarmWorker({
          farm: flags.farm!,
          farmDir,
          stylizer,
          modelDigest: await modelDigest(stylizer.model),
          concurrency: flags.concurrency,
          batchSize: flags.batch,
          stallMs: flags.stallSeconds * 1000,
          waitMs: flags.farmWait * 1000,
          caFile: flags.farmCa,
          signal: context.signal,
          onLine: say,
        });
      } finally {
        await stylizer.close();
      }
    });
}
