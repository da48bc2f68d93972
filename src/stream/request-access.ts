/**
 * Who may talk to the live server. Three checks, on the page and on the socket alike:
 * - the `Host` header names this machine by an IP address, `localhost`, the `--host` name, a name
 *   its HTTPS certificate is for, or an allowed origin's host (a DNS-rebinding page arrives under its own domain name and is refused);
 * - a browser's `Origin` is the page's own origin (or one allowed with `--allow-origin`), so another
 *   site cannot open the socket from a visitor's browser; clients that send no `Origin` (not
 *   browsers) are let through, as only a browser needs protecting from itself;
 * - with `--token`, the request carries it as `?token=` (compared in constant time).
 *
 * A socket upgrade that fails a check is turned away with a plain HTTP answer (`refuseUpgrade`,
 * as ws's `abortHandshake`) before any WebSocket exists.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/** The path viewers open the WebSocket at; the page and its files are everything else. */
export const SOCKET_PATH = '/ws';

export interface AccessOptions {
  /** The `--host` the server binds. */
  host: string;
  token?: string;
  /** Extra origins allowed to open the socket, like `https://studio.example:8443`. */
  allowedOrigins: readonly string[];
  /** More names this machine answers to: the DNS names of the HTTPS certificate. */
  hostNames?: readonly string[];
}

export type AccessResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether a certificate's DNS name covers `hostname`; `*.example.com` covers one label. */
export function isCertifiedName(hostname: string, name: string): boolean {
  if (!name.startsWith('*.')) return hostname === name;
  const suffix = name.slice(1);
  return hostname.endsWith(suffix) && !hostname.slice(0, -suffix.length).includes('.');
}

export function isAllowedHost(hostHeader: string | undefined, options: AccessOptions): boolean {
  if (!hostHeader) return false;
  const hostname = hostnameOf(hostHeader);
  if (!hostname) return false;
  if (hostname === 'localhost' || isIP(hostname) !== 0) return true;
  if (hostname === options.host.toLowerCase()) return true;
  if (options.hostNames?.some((name) => isCertifiedName(hostname, name))) return true;
  return options.allowedOrigins.some((origin) => hostnameOf(new URL(origin).host) === hostname);
}

export function isAllowedOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  options: AccessOptions,
): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (options.allowedOrigins.some((allowed) => new URL(allowed).origin === parsed.origin)) {
    return true;
  }
  return (
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    hostHeader !== undefined &&
    parsed.host.toLowerCase() === hostHeader.toLowerCase()
  );
}

export function hasToken(url: URL, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Checks a page request (`checkOrigin` false) or a socket upgrade (`checkOrigin` true). */
export function checkAccess(
  request: IncomingMessage,
  url: URL,
  options: AccessOptions,
  checkOrigin: boolean,
): AccessResult {
  const host = request.headers.host;
  if (!isAllowedHost(host, options)) {
    return { ok: false, status: 403, reason: 'Host not allowed' };
  }
  if (checkOrigin && !isAllowedOrigin(request.headers.origin, host, options)) {
    return { ok: false, status: 403, reason: 'Origin not allowed' };
  }
  if (!hasToken(url, options.token)) {
    return { ok: false, status: 401, reason: 'Missing or wrong token' };
  }
  return { ok: true };
}

/** A request's target as a URL; undefined when it does not parse. */
export function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Ends an upgrade request with `status` and `reason` as a plain-text HTTP answer. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404 | 503, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`,
  );
}
