/** README.md's option tables, written out from the definitions (test/options/readme-tables.test.ts). */
import type { AnyOption } from '../../src/options/define-option.js';
import {
  liveOptions,
  poolOptions,
  renderOptions,
  styleOptions,
} from '../../src/options/options.js';

/** Each table README.md has, by the name in its `<!-- options:NAME -->` marker. */
export const TABLES: Record<string, Record<string, AnyOption>> = {
  shared: { ...styleOptions, ...renderOptions, ...poolOptions },
  live: liveOptions,
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
