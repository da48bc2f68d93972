/**
 * The `stylecast` command. Errors reach the user as one line and a non-zero exit (the stack only
 * with --verbose); Ctrl-C stops cleanly, removes partial output, and exits 130.
 */
import { Command, CommanderError } from 'commander';
import { isAbortError, StylecastError } from '../errors.js';
import type { CommandContext } from './command-context.js';
import { registerImageCommand } from './image-command.js';
import { registerInfoCommands } from './info-commands.js';
import { registerLiveCommand } from './live-command.js';
import { registerRenderCommand } from './render-command.js';
import { registerScheduleCommand } from './schedule-command.js';
import { registerWorkerCommand } from './worker-command.js';

export function buildProgram(context: CommandContext): Command {
  const program = new Command('stylecast')
    .description('Stylize video with any style image, in real time.')
    .version('0.1.0')
    .option('--verbose', 'print stack traces with errors')
    .showSuggestionAfterError()
    .exitOverride();
  registerRenderCommand(program, context);
  registerImageCommand(program);
  registerLiveCommand(program, context);
  registerInfoCommands(program);
  registerScheduleCommand(program);
  registerWorkerCommand(program, context);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: stop waiting for cleanup
    interrupted = true;
    process.stderr.write('\nStopping…\n');
    controller.abort(new StylecastError('ABORTED', 'Interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const program = buildProgram({ signal: controller.signal });
  try {
    await program.parseAsync(argv);
    return interrupted ? 130 : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or help / version, with exit code 0).
      return error.exitCode;
    }
    const verbose = argv.includes('--verbose');
    if (interrupted || isAbortError(error)) {
      process.stderr.write(`stylecast: ${(error as Error).message}\n`);
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stylecast: ${message}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// Exit explicitly: a stuck child or worker must never leave the process hanging after an answer.
process.exit(await main(process.argv));
