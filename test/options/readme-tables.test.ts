/**
 * README.md's option tables are the definitions (src/options/options.ts) written out: this test
 * renders them and compares, so the README cannot drift from what the code checks. On a failure,
 * paste the expected table from the diff into README.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionsTable, TABLES } from '../helpers/options-table.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe("README.md's option tables", () => {
  const readme = readFileSync(README, 'utf8');
  it.each(Object.keys(TABLES))('%s', (name) => {
    const block = new RegExp(`<!-- options:${name} -->\\n([\\s\\S]*?)\\n<!-- /options -->`).exec(
      readme,
    );
    expect(block, `README.md has no <!-- options:${name} --> block`).not.toBeNull();
    expect(block![1]).toBe(optionsTable(TABLES[name]!));
  });
});
