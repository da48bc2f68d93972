/**
 * The option tables of README.md and docs/, written out from the definitions
 * (test/options/readme-tables.test.ts).
 */
import type { AnyOption } from '../../src/options/define-option.js';
import {
  liveOptions,
  poolOptions,
  renderOptions,
  styleOptions,
} from '../../src/options/options.js';

/** Each table, by the name in its `<!-- options:NAME -->` marker: the file it is in, its options. */
export const TABLES: Record<string, { file: string; options: Record<string, AnyOption> }> = {
  shared: { file: 'README.md', options: { ...styleOptions, ...renderOptions, ...poolOptions } },
  live: { file: 'docs/live.md', options: liveOptions },
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function defaultOf(definition: AnyOption): string {
  if (definition.defaultText) return definition.defaultText;
  if (definition.default === undefined) return definition.type === 'boolean' ? 'off' : '';
  return `\`${String(definition.default)}\``;
}

export function optionsTable(definitions: Record<string, AnyOption>): string {
  const rows = Object.values(definitions).map((d) => {
    const flag = `${d.short ? `-${d.short}, ` : ''}--${kebab(d.name)}${d.argument ? ` ${d.argument}` : ''}`;
    return `| \`${cell(flag)}\` | \`${d.name}\` | \`${cell(d.type)}\` | ${cell(defaultOf(d))} | ${cell(d.limit ?? '')} | ${cell(d.description)} |`;
  });
  return [
    '| flag | library field, config key | type | default | limit | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
