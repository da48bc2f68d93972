/**
 * The viewer page's own files, read once into memory and served by exact name. A request path is
 * only ever a key into that map, never joined onto a folder, so nothing else on disk can be
 * reached (no `..`, no encoded slashes, no symlinks). Every answer carries the same security
 * headers; only the page itself asks for the token.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAccess, requestUrl, SOCKET_PATH, type AccessOptions } from './request-access.js';

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

/** URL paths (`/`, `/viewer.js`, …) to the files of the viewer folder. */
export type ViewerFiles = ReadonlyMap<string, ViewerFile>;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; style-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

/** Only the page itself carries data worth a token; its scripts and styles are public. */
const PAGE_PATHS = new Set(['/', '/index.html']);

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
export async function loadViewerFiles(directory = viewerDirectory()): Promise<ViewerFiles> {
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

/** Answers one plain HTTP request: a viewer file, or why not (400, 401, 403, 404, 405, 426). */
export function serveViewerFile(
  files: ViewerFiles,
  access: AccessOptions,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const url = requestUrl(request);
  if (!url) {
    response.writeHead(400).end();
    return;
  }
  const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
    response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(405, 'Method not allowed\n');
  }
  if (url.pathname === SOCKET_PATH) return send(426, 'Connect with a WebSocket\n');
  const file = files.get(url.pathname);
  if (!file) return send(404, 'Not found\n');
  const token = PAGE_PATHS.has(url.pathname) ? access.token : undefined;
  const allowed = checkAccess(request, url, { ...access, token }, false);
  if (!allowed.ok) return send(allowed.status, `${allowed.reason}\n`);
  send(200, file.body, file.contentType);
}
