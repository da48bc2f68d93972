/** `stylecast models` and `stylecast devices`: what this installation can run. */
import type { Command } from 'commander';
import { listModels } from '../infer/list-models.js';
import { probeProviders } from '../infer/probe-providers.js';
import { options } from './options.js';

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerInfoCommands(program: Command): void {
  program
    .command('models')
    .description('list the models found (shipped, and in the user models folder)')
    .addOption(options.json())
    .action(async (flags: { json?: boolean }) => {
      const models = await listModels();
      if (flags.json) return void process.stdout.write(`${JSON.stringify(models)}\n`);
      if (models.length === 0) return void process.stdout.write('No models found.\n');
      for (const m of models) {
        if (m.problem) {
          process.stdout.write(`${m.name}  (does not load: ${m.problem})\n`);
          continue;
        }
        process.stdout.write(
          `${m.name}  ${m.family}  ${megabytes(m.bytes)}  licence: ${m.license}\n  ${m.dir}\n  source: ${m.source}\n`,
        );
      }
    });

  program
    .command('devices')
    .description('list the execution providers and whether each loads here')
    .addOption(options.json())
    .action(async (flags: { json?: boolean }) => {
      const statuses = await probeProviders();
      if (flags.json) return void process.stdout.write(`${JSON.stringify(statuses)}\n`);
      for (const s of statuses)
        process.stdout.write(`${s.loads ? '✓' : '✗'} ${s.provider.padEnd(8)} ${s.detail}\n`);
    });
}
