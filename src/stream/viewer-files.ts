/**
 * The viewer page's own files, read once into memory and served by exact name. A request path is
 * only ever a key into that map, never joined onto a folder, so nothing else on disk can be
 * reached (no `..`, no encoded slashes, no symlinks).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface ViewerFile {
  body: Buffer;
  contentType: string;
}

/**
 * The folder holding the viewer: `viewer/` beside this module (source, or a build that copied
 * it), else the source folder seen from `dist/stream/`.
 */
export function viewerDirectory(): string {
  const beside = fileURLToPath(new URL('./viewer/', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../src/stream/viewer/', import.meta.url));
}

/** Maps URL paths (`/`, `/viewer.js`, …) to the files of the viewer folder. */
export async function loadViewerFiles(
  directory = viewerDirectory(),
): Promise<Map<string, ViewerFile>> {
  const files = new Map<string, ViewerFile>();
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const type = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    files.set(`/${entry.name}`, {
      body: await readFile(join(directory, entry.name)),
      contentType: type,
    });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
