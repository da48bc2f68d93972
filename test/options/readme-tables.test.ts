/**
 * The option tables in README.md (the shared options) and docs/live.md (live's) are the
 * definitions (src/options/options.ts) written out: this test renders them and compares, so the
 * docs cannot drift from what the code checks. On a failure, paste the expected table from the
 * diff into the file the test names.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionsTable, TABLES } from '../helpers/options-table.js';

const ROOT = new URL('../../', import.meta.url);

describe('the option tables in README.md and docs/', () => {
  it.each(Object.keys(TABLES))('%s', (name) => {
    const { file, options } = TABLES[name]!;
    const text = readFileSync(fileURLToPath(new URL(file, ROOT)), 'utf8');
    const block = new RegExp(`<!-- options:${name} -->\\n([\\s\\S]*?)\\n<!-- /options -->`).exec(
      text,
    );
    expect(block, `${file} has no <!-- options:${name} --> block`).not.toBeNull();
    expect(block![1], `${file}'s ${name} table`).toBe(optionsTable(options));
  });
});
