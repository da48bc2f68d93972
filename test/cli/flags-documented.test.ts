/**
 * Every flag of every command is documented: named in README.md or a page of docs/, so an option
 * added to the CLI cannot be left out of the manual.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { MANUAL_PAGES, REPO_ROOT } from '../helpers/manual.js';

const manual = MANUAL_PAGES.map((page) => readFileSync(join(REPO_ROOT, page), 'utf8')).join('\n');

function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

describe('the manual', () => {
  const program = buildProgram({ signal: new AbortController().signal });
  const commands = commandsOf(program);

  it.each(commands.map((command) => [command.name(), command] as const))(
    '%s: every flag is documented',
    (_name, command) => {
      const flags = command.options.map((option) => option.long ?? option.short);
      expect(flags.length + command.commands.length).toBeGreaterThan(0);
      const missing = flags.filter(
        (flag) => flag !== undefined && !new RegExp(`${flag}(?![\\w-])`).test(manual),
      );
      expect(missing).toEqual([]);
    },
  );

  it('names every command', () => {
    const path = (command: Command): string =>
      command.parent ? `${path(command.parent)} ${command.name()}` : command.name();
    const missing = commands
      .slice(1)
      .map(path)
      .filter((name) => !manual.includes(name));
    expect(missing).toEqual([]);
  });
});
