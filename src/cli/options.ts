/**
 * Every CLI option: the shared ones built from their single definition (src/options), plus the
 * few only the CLI has. Commands pick the ones they take. Values resolve in one order: flag, then
 * config file, then default.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { AnyOption } from '../options/define-option.js';
import { liveOptions, poolOptions, renderOptions, styleOptions } from '../options/options.js';

/** Commander shows a parser's error as "option '--x' argument 'y' is invalid. …". */
export function parser<T>(parse: (text: string, previous?: T) => T) {
  return (text: string, previous?: T): T => {
    try {
      return parse(text, previous);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag of a shared option: its name, description, limit, default and parser. */
export function flagOf(definition: AnyOption): Option {
  const { short, argument, limit, defaultText } = definition;
  // Commander adds `(default: …)` itself for a default value.
  const shownDefault = definition.default === undefined ? defaultText : undefined;
  const details = [limit, shownDefault && `default: ${shownDefault}`].filter(Boolean).join('; ');
  const option = new Option(
    `${short ? `-${short}, ` : ''}--${kebab(definition.name)}${argument ? ` ${argument}` : ''}`,
    details ? `${definition.description} (${details})` : definition.description,
  );
  if (!argument) return option;
  if (definition.choices) option.choices(definition.choices);
  option.argParser(parser(definition.parse));
  if (definition.default !== undefined) option.default(definition.default, definition.defaultText);
  if (definition.env) option.env(definition.env);
  return option;
}

const flags = <S extends Record<string, AnyOption>>(
  definitions: S,
): { [K in keyof S]: () => Option } =>
  Object.fromEntries(
    Object.entries(definitions).map(([key, definition]) => [key, () => flagOf(definition)]),
  ) as { [K in keyof S]: () => Option };

const { size: liveSize, ...live } = flags(liveOptions);

export const options = {
  ...flags(poolOptions),
  ...flags(styleOptions),
  ...flags(renderOptions),
  liveSize,
  output: () => new Option('-o, --output <file>', 'where to write the result'),
  schedule: () =>
    new Option(
      '--schedule <file>',
      'a style for each part of the video: a JSON or YAML schedule (see `stylecast schedule check`)',
    ).conflicts(['style', 'alpha', 'preserveColor']),
  quiet: () => new Option('-q, --quiet', 'print nothing but errors'),
  json: () => new Option('--json', 'print one JSON object with the results when done'),
  verbose: () => new Option('--verbose', 'print stack traces with errors'),
  config: () =>
    new Option(
      '--config <file>',
      'JSON file of option values (default: ./stylecast.config.json if present)',
    ),
};

/** The options only `live` takes (the shared ones, and `--gallery`). */
export const liveFlags = {
  ...live,
  gallery: () =>
    new Option('--gallery <folder>', 'more style images offered in the page (the folder’s images)'),
};
