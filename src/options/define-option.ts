/**
 * What an option is, written once: its name, type, default, limit and rule. A flag's text, a
 * config file's value and a library caller's value all go through the same rule, and a bad one
 * is refused with the same words, as a `StylecastError` with code `BAD_OPTION`.
 */
import { badOption, type StylecastError } from '../errors.js';
import { parseDecimal, parseWhole } from '../style-values.js';

export interface OptionDefinition<T, D extends T | undefined = T | undefined> {
  /** The library field and config key (camelCase); the flag is its kebab-case (`--max-upload`). */
  readonly name: string;
  /** A one-letter flag (`-m`), where there is one. */
  readonly short?: string;
  /** The flag's value, as help shows it (`<n>`); absent for a switch. */
  readonly argument?: string;
  /** What it does, for `--help` and the README. */
  readonly description: string;
  /** What a library caller passes (`integer`, `'auto' | 'cpu'`), for the README. */
  readonly type: string;
  readonly default: D;
  /** The default in words, where it is not one fixed value (`chosen for this machine`). */
  readonly defaultText?: string;
  /** The bounds, in words (`1 to 64`). */
  readonly limit?: string;
  /** The values a flag may take, where they are a short list (for `--help`). */
  readonly choices?: readonly string[];
  /** An environment variable the flag may come from. */
  readonly env?: string;
  /** A flag's (or a config file's) text → the value; a repeated flag gets the value so far. */
  parse(text: string, previous?: T): T;
  /** A library caller's value → the value, by the same rule and in the same words. */
  check(value: unknown): T;
}

export type AnyOption = OptionDefinition<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The value an option holds once resolved: its default where the caller gave none. */
export type Resolved<O> = O extends OptionDefinition<infer T, infer D> ? T | D : never;

/** What a library caller may pass for a set of options: every one optional. */
export type OptionsOf<S extends Record<string, AnyOption>> = {
  [K in keyof S]?: Resolved<S[K]>;
};

export type ResolvedOptions<S extends Record<string, AnyOption>> = {
  [K in keyof S]: Resolved<S[K]>;
};

/** How a value is shown in a message: text as given, anything else as JSON. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `Expected \`workers\` to be an integer from 1 to 64, got \`500\``. */
export function expected(name: string, rule: string, got: unknown): StylecastError {
  return badOption(`Expected \`${name}\` to be ${rule}, got \`${shown(got)}\``);
}

/**
 * As `expected`, for a value a library caller or a config file gave, where a number's text is not
 * the number: `got the string \`"2"\``.
 */
function expectedNumber(name: string, rule: string, got: unknown): StylecastError {
  if (typeof got !== 'string') return expected(name, rule, got);
  return badOption(`Expected \`${name}\` to be ${rule}, got the string \`${JSON.stringify(got)}\``);
}

/** Runs a parser that throws RangeError/TypeError, so that its message becomes a BAD_OPTION. */
export function asOptionError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError)
      throw badOption(error.message, error);
    throw error;
  }
}

type Described = Pick<
  OptionDefinition<unknown>,
  'name' | 'short' | 'argument' | 'description' | 'defaultText' | 'env'
>;

export function defineOption<T, D extends T | undefined = undefined>(
  definition: Described &
    Pick<OptionDefinition<T, D>, 'type' | 'limit' | 'choices' | 'parse' | 'check'> & {
      default?: D;
    },
): OptionDefinition<T, D> {
  return { ...definition, default: definition.default as D };
}

/** A flag's text read as a number and checked; a bad one is shown as the text given. */
function parseNumber(
  name: string,
  rule: string,
  read: (text: string) => number,
  check: (value: number) => number,
): (text: string) => number {
  return (text) => {
    const value = read(text);
    if (Number.isNaN(value)) throw expected(name, rule, text);
    try {
      return check(value);
    } catch {
      throw expected(name, rule, text);
    }
  };
}

export function integerOption<D extends number | undefined = undefined>(
  definition: Described & { min: number; max: number; default?: D },
): OptionDefinition<number, D> {
  const { min, max } = definition;
  const rule = `an integer from ${min} to ${max}`;
  const check = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw expectedNumber(definition.name, rule, value);
    return value;
  };
  return defineOption<number, D>({
    argument: '<n>',
    ...definition,
    type: 'integer',
    limit: `${min} to ${max}`,
    parse: parseNumber(definition.name, rule, parseWhole, check),
    check,
  });
}

/** A number in (0, max], or [min, max] given a `min`: a rate or a duration. */
export function positiveOption<D extends number | undefined = undefined>(
  definition: Described & { max: number; min?: number; default?: D },
): OptionDefinition<number, D> {
  const { min, max } = definition;
  const rule =
    min === undefined ? `a number above 0 and at most ${max}` : `a number from ${min} to ${max}`;
  const check = (value: unknown): number => {
    if (
      typeof value !== 'number' ||
      !((min === undefined ? value > 0 : value >= min) && value <= max)
    )
      throw expectedNumber(definition.name, rule, value);
    return value;
  };
  return defineOption<number, D>({
    argument: '<n>',
    ...definition,
    type: 'number',
    limit: min === undefined ? `above 0, at most ${max}` : `${min} to ${max}`,
    parse: parseNumber(definition.name, rule, parseDecimal, check),
    check,
  });
}

export function choiceOption<const C extends readonly string[], D extends C[number] | undefined>(
  definition: Described & { choices: C; default?: D },
): OptionDefinition<C[number], D> {
  const rule = `one of ${definition.choices.join(', ')}`;
  const check = (value: unknown): C[number] => {
    if (typeof value !== 'string' || !definition.choices.includes(value))
      throw expected(definition.name, rule, value);
    return value;
  };
  return defineOption<C[number], D>({
    argument: '<name>',
    ...definition,
    type: definition.choices.map((choice) => `'${choice}'`).join(' | '),
    parse: check,
    check,
  });
}

/** A flag without a value: given means on. In a config file or a library call, a real boolean. */
export function switchOption(definition: Described): OptionDefinition<boolean, undefined> {
  const check = (value: unknown): boolean => {
    // As JSON: the string "false" is not the boolean.
    if (typeof value !== 'boolean')
      throw expected(definition.name, 'true or false', JSON.stringify(value));
    return value;
  };
  return defineOption<boolean, undefined>({
    ...definition,
    type: 'boolean',
    parse: () => true,
    check,
  });
}

/** Text that must not be empty (a path, a name, an address). */
export function textOption<D extends string | undefined = undefined>(
  definition: Described & { what: string; default?: D },
): OptionDefinition<string, D> {
  const check = (value: unknown): string => {
    if (typeof value === 'string' && value.trim() === '')
      throw badOption(
        `Expected \`${definition.name}\` to be ${definition.what}, got an empty string`,
      );
    if (typeof value !== 'string') throw expected(definition.name, definition.what, value);
    return value;
  };
  return defineOption<string, D>({ ...definition, type: 'string', parse: check, check });
}

/** A field a library call cannot do without: a non-empty string (a path). */
export function requiredText(given: object, name: string, what: string): string {
  const value = (given as Record<string, unknown>)[name];
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (value === undefined) throw badOption(`Expected \`${name}\` (${what}), got nothing`);
  throw badOption(`Expected \`${name}\` to be ${what}, got \`${shown(value)}\``);
}

/** Some of a set of options: the ones one call takes. */
export function pickOptions<S extends Record<string, AnyOption>, K extends keyof S>(
  definitions: S,
  ...keys: K[]
): Pick<S, K> {
  return Object.fromEntries(keys.map((key) => [key, definitions[key]])) as Pick<S, K>;
}

/**
 * Each option the caller gave, checked, and every other at its default. Unknown keys are left
 * to the caller's type; `undefined` means not given.
 */
export function checkOptions<S extends Record<string, AnyOption>>(
  definitions: S,
  given: object,
): ResolvedOptions<S> {
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw badOption(`Expected the options to be an object, got \`${shown(given)}\``);
  const values = given as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(definitions)) {
    const value = values[key];
    resolved[key] = value === undefined ? definition.default : definition.check(value);
  }
  return resolved as ResolvedOptions<S>;
}
