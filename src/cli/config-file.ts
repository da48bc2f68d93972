/**
 * A config file supplies option values the user did not give as flags: JSON with the options'
 * long names in camelCase (`{ "device": "cpu", "alpha": 0.8, "style": ["a.jpg@2", "b.jpg"] }`).
 * Each value goes through the same parser as its flag, and is refused in the same words.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { StylecastError } from '../errors.js';
import { expected } from '../options/define-option.js';
import { readTextFile } from '../read-file.js';

export const DEFAULT_CONFIG = 'stylecast.config.json';

/** Options whose flag may be given more than once: a config list gives each item as one flag. */
const REPEATABLE = new Set(['style', 'allowOrigin']);

/** Applies the config file, if any, and returns its path (a file the run reads). */
export async function applyConfigFile(command: Command): Promise<string | undefined> {
  const given = command.opts<{ config?: string }>().config;
  const path = resolve(given ?? DEFAULT_CONFIG);
  if (!given && !existsSync(path)) return undefined;
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(await readTextFile(path)) as Record<string, unknown>;
  } catch (error) {
    throw new StylecastError(
      'BAD_OPTION',
      `Could not read config file ${path}: ${(error as Error).message}`,
    );
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new StylecastError('BAD_OPTION', `Config file ${path} must hold a JSON object`);
  }
  for (const [key, value] of Object.entries(values)) {
    const option = command.options.find((o) => o.attributeName() === key);
    if (!option)
      throw new StylecastError('BAD_OPTION', `Config file ${path}: unknown option \`${key}\``);
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue; // a flag wins
    const fail = (message: string): never => {
      throw new StylecastError('BAD_OPTION', `Config file ${path}: ${message}`);
    };
    // A value means what its flag's text would: `true`/`false` for a switch, a list only where the
    // flag repeats (`style`) or takes one (`alpha`: `[0.2, 0.5, 1]` is `0.2,0.5,1`).
    if (option.isBoolean() && typeof value !== 'boolean')
      fail(expected(key, 'true or false', JSON.stringify(value)).message);
    const repeats = REPEATABLE.has(key);
    if (Array.isArray(value) && !repeats && key !== 'alpha')
      fail(`Expected \`${key}\` to be one value, got a list`);
    const items = Array.isArray(value) ? value : [value];
    for (const item of option.isBoolean() ? [] : items) {
      if (typeof item !== 'string' && typeof item !== 'number')
        fail(expected(key, 'a string or a number', item).message);
    }
    const texts = Array.isArray(value) && !repeats ? [value.join(',')] : items;
    let parsed: unknown = option.isBoolean() ? value : undefined;
    if (!option.isBoolean()) {
      for (const text of texts) {
        try {
          parsed = option.parseArg ? option.parseArg(String(text), parsed as never) : String(text);
        } catch (error) {
          fail((error as Error).message);
        }
      }
    }
    command.setOptionValueWithSource(key, parsed, 'config');
  }
  return path;
}
