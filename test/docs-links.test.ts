/**
 * Every relative link in README.md and docs/*.md points at a file or folder of this repository
 * (never out of it), and a link to a heading (`page.md#heading`) at a heading that page has, by
 * GitHub's anchor rules. Links inside code are not links.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANUAL_PAGES, REPO_ROOT as ROOT } from './helpers/manual.js';

/** The text outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of `[text](target)` and `![alt](target)` links. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a markdown file's headings get (a repeated heading gets `-1`, `-2` …). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown
    .replace(/^```[\s\S]*?^```/gm, '')
    .matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = headingSlug(heading!.trim());
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** What is wrong with one link of `page`, or undefined when it resolves. */
function problemWith(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not a file
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), decodeURI(path));
  const inside = relative(ROOT, file);
  if (inside.startsWith(`..${sep}`) || inside === '..') return 'points out of the repository';
  if (!existsSync(file)) return `${inside} does not exist`;
  if (anchor === undefined) return undefined;
  if (!statSync(file).isFile() || !file.endsWith('.md')) return `#${anchor} on a non-markdown file`;
  if (!anchorsOf(readFileSync(file, 'utf8')).has(anchor)) return `${inside} has no #${anchor}`;
  return undefined;
}

describe('links in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(MANUAL_PAGES).toContain('docs/live.md');
    expect(linkTargets('[a](b.md) `[c](d.md)` ![e](f.jpg)\n```\n[g](h.md)\n```\n')).toEqual([
      'b.md',
      'f.jpg',
    ]);
    expect(headingSlug('GPUs: CUDA and TensorRT')).toBe('gpus-cuda-and-tensorrt');
    expect(headingSlug('Client → server')).toBe('client--server');
    expect(headingSlug('Working size: `--size auto`')).toBe('working-size---size-auto');
  });

  it.each(MANUAL_PAGES)('%s: every relative link resolves inside the repository', (page) => {
    const markdown = readFileSync(join(ROOT, page), 'utf8');
    const problems = linkTargets(markdown)
      .map((target) => [target, problemWith(page, target)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([target, problem]) => `${target}: ${problem}`);
    expect(problems).toEqual([]);
  });
});
