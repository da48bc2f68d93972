/**
 * The `stylecast` command. Errors reach the user as one line and a non-zero exit (the stack only
 * with --verbose); SIGINT, SIGTERM and SIGHUP alike stop cleanly, remove partial output, and exit
 * with the shell's code for the signal (130, 143, 129). Importing this module runs nothing:
 * `run.ts` is the executable.
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
  registerImageCommand(program, context);
  registerLiveCommand(program, context);
  registerInfoCommands(program);
  registerScheduleCommand(program);
  registerWorkerCommand(program, context);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** The signals that stop a run, each with its conventional exit code (128 + its number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

/** A closed or full terminal must not end a run: with nobody left to read, messages are dropped. */
function ignoreTerminalErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {});
  }
}

export async function main(argv: string[]): Promise<number> {
  ignoreTerminalErrors();
  const controller = new AbortController();
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy) process.exit(STOP_SIGNALS[stoppedBy]); // a second signal: stop waiting for cleanup
    stoppedBy = signal;
    if (!quiet) process.stderr.write('\nStopping…\n');
    controller.abort(new StylecastError('ABORTED', `Interrupted (${signal})`));
  };
  const signals = Object.keys(STOP_SIGNALS) as StopSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  const program = buildProgram({ signal: controller.signal });
  try {
    await program.parseAsync(argv);
    return stoppedBy ? STOP_SIGNALS[stoppedBy] : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or help / version, with exit code 0).
      return error.exitCode;
    }
    const verbose = argv.includes('--verbose');
    if (stoppedBy || isAbortError(error)) {
      process.stderr.write(`stylecast: ${(error as Error).message}\n`);
      return STOP_SIGNALS[stoppedBy ?? 'SIGINT'];
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stylecast: ${message}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}
