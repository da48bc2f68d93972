/**
 * The live server: one HTTP server (HTTPS with a certificate and key) that serves the viewer page
 * at `/` and streams at `/ws`.
 * Frames fan out to every viewer through its own `ViewerConnection` (newest wins, gated on
 * `bufferedAmount`); style changes from any viewer go through `LiveControls` and reach every
 * viewer; a heartbeat finds dead connections; `stats` go out about once a second.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { StylecastError } from '../errors.js';
import { checkOptions, expected, pickOptions } from '../options/define-option.js';
import { liveOptions } from '../options/options.js';
import type { LiveControls } from './live-controls.js';
import type { SourceStatus, StatsSnapshot, VideoFormat } from '../live/live-types.js';
import { PROTOCOL_VERSION, parseClientMessage, type ServerMessage } from './protocol.js';
import { checkAccess, type AccessOptions } from './request-access.js';
import { loadTlsCredentials } from './tls-credentials.js';
import type { OutgoingFrame } from './frame-queue.js';
import { ViewerConnection } from './viewer-connection.js';
import type { ViewerAudience } from './viewer-encoders.js';
import { loadViewerFiles, type ViewerFile } from './viewer-files.js';
import { chooseCodec, VIEWER_CODECS, type ViewerCodec } from './viewer-transports.js';

export interface StreamServerOptions {
  /** Address to bind; `127.0.0.1` unless the user says otherwise. */
  host?: string;
  /** Port; `0` picks a free one. Default 8080. */
  port?: number;
  /** When set, the page and the socket require `?token=`. */
  token?: string;
  /** Origins besides the page's own that may open the socket. */
  allowedOrigins?: readonly string[];
  /** PEM certificate file: with `tlsKey`, the page is served over HTTPS and the socket over WSS. */
  tlsCert?: string;
  /** PEM private key file of `tlsCert`. */
  tlsKey?: string;
  controls: LiveControls<unknown>;
  /** The stream's size and rate; all 0 while the source has not opened yet (see `setVideo`). */
  video: VideoFormat;
  /** The pipeline's figures, read for each `stats` message. */
  stats: () => StatsSnapshot;
  /** Largest client text message; bigger ones close the socket with 1009. */
  maxMessageBytes?: number;
  /** A frame goes to a viewer only while its socket buffers at most this much. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** Most viewers at once; more are refused with 503 until one leaves. Default 64. */
  maxViewers?: number;
  statsIntervalMs?: number;
  /** Where the viewer's files are; the package's own viewer by default. */
  viewerDirectory?: string;
  /**
   * The codecs frames are sent in, best first (`offeredCodecs` of `--viewer-codec`). A viewer
   * gets JPEG, where it is offered, until it names the codecs it decodes. Default: all.
   */
  codecs?: readonly ViewerCodec[];
}

export interface StreamServer extends ViewerAudience {
  /** The page's URL, with the token when there is one. */
  readonly url: string;
  readonly port: number;
  readonly viewerCount: number;
  /** Offers one frame's message to every viewer that receives `codec`. */
  broadcastFrame(codec: ViewerCodec, frame: OutgoingFrame): void;
  setSource(source: SourceStatus): void;
  /** The stream's size and rate became known (a source that was not up at the start opened). */
  setVideo(video: VideoFormat): void;
  /** Says goodbye to every viewer and closes the server; resolves when it is closed. */
  close(): Promise<void>;
}

/**
 * Most frames on their way to a viewer that acknowledges them: enough for 30 fps over a 100 ms
 * round trip, few enough that a slow link holds a fraction of a second, not seconds.
 */
const MAX_UNACKNOWLEDGED_FRAMES = 4;
/** Most style changes one viewer may have waiting. */
const MAX_PENDING_CHANGES = 4;
/** How long close() waits for viewers to acknowledge before cutting them off. */
const CLOSE_GRACE_MS = 1000;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; style-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

const SERVER_OPTIONS = pickOptions(
  liveOptions,
  'host',
  'port',
  'token',
  'allowOrigin',
  'tlsCert',
  'tlsKey',
);

export async function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  // Checked by the CLI's rules (src/options): `allowedOrigins` is the list of `--allow-origin`s.
  const { host, port, token, allowOrigin, tlsCert, tlsKey } = checkOptions(SERVER_OPTIONS, {
    ...options,
    allowOrigin: options.allowedOrigins,
  });
  const tls = await loadTlsCredentials({ tlsCert, tlsKey });
  // A browser that opened a name the certificate is for sends that name as `Host`.
  const access: AccessOptions = {
    host,
    token,
    allowedOrigins: allowOrigin ?? [],
    hostNames: tls?.hostNames ?? [],
  };
  const { controls } = options;
  const codecs = [...(options.codecs ?? VIEWER_CODECS)];
  if (codecs.length === 0 || codecs.some((codec) => !VIEWER_CODECS.includes(codec))) {
    throw expected('codecs', `a list of ${VIEWER_CODECS.join(', ')}`, codecs);
  }
  /** What a viewer gets before it says what it decodes: JPEG, which every browser shows. */
  const firstCodec: ViewerCodec | undefined = codecs.includes('jpeg') ? 'jpeg' : undefined;
  const maxBufferedBytes = options.maxBufferedBytes ?? 512 * 1024;
  const files = await loadViewerFiles(options.viewerDirectory);
  const viewers = new Set<ViewerConnection>();
  let source: SourceStatus = { state: 'live' };
  let video = { ...options.video };
  let galleryVersion = controls.gallery.version;
  let closed = false;

  const broadcast = (message: ServerMessage): void => {
    for (const viewer of viewers) viewer.sendMessage(message);
  };

  const unsubscribe = controls.onChange((settings) => {
    if (controls.gallery.version !== galleryVersion) {
      galleryVersion = controls.gallery.version;
      broadcast({ type: 'gallery', gallery: controls.gallery.items() });
    }
    broadcast({ type: 'settings', settings });
  });

  const serveFile = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(405, 'Method not allowed\n');
    }
    const file: ViewerFile | undefined = files.get(url.pathname);
    if (url.pathname === '/ws') return send(426, 'Connect with a WebSocket\n');
    if (!file) return send(404, 'Not found\n');
    // Only the page itself carries data worth a token; its scripts and styles are public.
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    const allowed = checkAccess(
      request,
      url,
      { ...access, token: isPage ? access.token : undefined },
      false,
    );
    if (!allowed.ok) return send(allowed.status, `${allowed.reason}\n`);
    send(200, file.body, file.contentType);
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      response.writeHead(400).end();
      return;
    }
    serveFile(request, response, url);
  };
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest)
    : createServer(onRequest);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? 8 * 1024 * 1024,
    perMessageDeflate: false,
  });

  const refuse = (socket: Duplex, status: number, reason: string): void => {
    const text =
      { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }[status] ?? 'Not Found';
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`,
    );
  };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      return refuse(socket, 404, 'Not found');
    }
    if (closed || url.pathname !== '/ws') return refuse(socket, 404, 'Not found');
    const allowed = checkAccess(request, url, access, true);
    if (!allowed.ok) return refuse(socket, allowed.status, allowed.reason);
    if (viewers.size >= (options.maxViewers ?? 64)) {
      return refuse(socket, 503, 'Too many viewers; try again later');
    }
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws));
  });

  const onConnection = (socket: WebSocket): void => {
    const viewer = new ViewerConnection(
      socket,
      {
        maxBufferedBytes,
        maxFramesInFlight: 2,
        maxUnacknowledged: MAX_UNACKNOWLEDGED_FRAMES,
        hardLimitBytes: Math.max(8 * 1024 * 1024, maxBufferedBytes * 4),
      },
      firstCodec,
    );
    viewers.add(viewer);
    let pendingChanges = 0;
    socket.on('error', () => socket.terminate());
    socket.on('close', () => viewers.delete(viewer));
    viewer.sendMessage({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      ...video,
      ...(controls.levels !== undefined ? { levels: controls.levels } : {}),
      codecs,
      codec: firstCodec ?? null,
      serverTimeMs: Date.now(),
      gallery: controls.gallery.items(),
      settings: controls.settings,
      source,
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        return viewer.sendMessage({
          type: 'error',
          code: 'UNEXPECTED_BINARY',
          message: 'Send JSON text messages; uploads go base64 inside a `style` message',
        });
      }
      const parsed = parseClientMessage(data.toString());
      if (!parsed.ok) {
        const { code, message, id } = parsed;
        return viewer.sendMessage({
          type: 'error',
          code,
          message,
          ...(id !== undefined ? { id } : {}),
        });
      }
      if (parsed.message.type === 'ack') return viewer.acknowledge(parsed.message.index);
      const id = parsed.message.id;
      if (parsed.message.type === 'codecs') {
        const chosen = chooseCodec(codecs, parsed.message.codecs);
        if (!chosen) {
          return viewer.sendMessage({
            type: 'error',
            code: 'CODEC_UNSUPPORTED',
            message: `This server sends ${codecs.join(' or ')}; none of ${parsed.message.codecs.join(', ')}`,
            ...(id !== undefined ? { id } : {}),
          });
        }
        if (chosen !== viewer.codec) viewer.codec = chosen;
        return viewer.sendMessage({ type: 'codec', codec: chosen });
      }
      const change = parsed.message;
      if (pendingChanges >= MAX_PENDING_CHANGES) {
        return viewer.sendMessage({
          type: 'error',
          code: 'BUSY',
          message: 'Too many changes waiting; try again shortly',
          ...(id !== undefined ? { id } : {}),
        });
      }
      pendingChanges++;
      void controls
        .apply(change)
        .then((result) => {
          if (!result.ok) {
            viewer.sendMessage({
              type: 'error',
              code: result.code,
              message: result.message,
              ...(id !== undefined ? { id } : {}),
            });
          }
        })
        .catch((error: unknown) => {
          viewer.sendMessage({
            type: 'error',
            code: 'STYLE_FAILED',
            message: error instanceof Error ? error.message : String(error),
            ...(id !== undefined ? { id } : {}),
          });
        })
        .finally(() => pendingChanges--);
    });
  };

  const heartbeat = setInterval(() => {
    for (const viewer of viewers) {
      if (!viewer.alive) {
        viewer.socket.terminate();
        viewers.delete(viewer);
        continue;
      }
      viewer.alive = false;
      viewer.socket.ping();
    }
  }, options.heartbeatMs ?? 10_000);

  let lastStatsAt = performance.now();
  const statsTimer = setInterval(() => {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - lastStatsAt) / 1000);
    lastStatsAt = now;
    const stats = options.stats();
    for (const viewer of viewers) {
      const sent = viewer.takeSentCounts();
      viewer.sendMessage({
        type: 'stats',
        serverTimeMs: Date.now(),
        ...stats,
        viewers: viewers.size,
        viewerFps: Math.round((sent.frames / seconds) * 10) / 10,
        viewerSkipped: viewer.skipped,
        viewerMbps: Math.round((sent.bytes * 8) / seconds / 1e4) / 100,
      });
    }
  }, options.statsIntervalMs ?? 1000);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new StylecastError(
          'BAD_OPTION',
          error.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((error: unknown) => {
    clearInterval(heartbeat);
    clearInterval(statsTimer);
    unsubscribe();
    throw error;
  });

  const boundPort = (server.address() as AddressInfo).port;
  // A wildcard address is not one a browser can open: print the loopback one instead.
  const urlHost =
    host === '0.0.0.0'
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  const url =
    `${tls ? 'https' : 'http'}://${urlHost}:${boundPort}/` +
    (options.token ? `?token=${encodeURIComponent(options.token)}` : '');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: boundPort,
    get viewerCount() {
      return viewers.size;
    },
    broadcastFrame(codec, frame) {
      for (const viewer of viewers) viewer.offerFrame(codec, frame);
    },
    codecsInUse() {
      const inUse = new Set<ViewerCodec>();
      for (const viewer of viewers) if (viewer.codec && viewer.open) inUse.add(viewer.codec);
      return inUse;
    },
    setSource(next) {
      source = next;
      broadcast({ type: 'source', source });
    },
    setVideo(next) {
      video = { ...next };
      broadcast({ type: 'video', ...video });
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(heartbeat);
        clearInterval(statsTimer);
        unsubscribe();
        const sockets = [...viewers].map((viewer) => viewer.socket);
        await Promise.all(
          sockets.map(
            (socket) =>
              new Promise<void>((resolve) => {
                if (socket.readyState === socket.CLOSED) return resolve();
                const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
                socket.once('close', () => {
                  clearTimeout(timer);
                  resolve();
                });
                socket.close(1001, 'Server stopping');
              }),
          ),
        );
        wss.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
