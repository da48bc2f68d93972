/**
 * The live server: one HTTP server (HTTPS with a certificate and key) that serves the viewer page
 * at `/` (`viewer-files.ts`) and streams at `/ws` to the viewers it admits (`request-access.ts`).
 * Frames fan out to every viewer through its own `ViewerConnection` (newest wins, gated on
 * `bufferedAmount`); what viewers send goes through their `ControlChannel`, and style changes
 * reach every viewer; `ServerTimers` run the heartbeat and the `stats` ticks.
 *
 * Like ws's `WebSocketServer`, the server is in one named state: `starting` until it listens,
 * `running` while it admits viewers, `closing` while they are told goodbye, then `closed`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { StylecastError } from '../errors.js';
import { ControlChannel, forwardControlChanges } from './control-channel.js';
import type { OutgoingFrame } from './frame-queue.js';
import type { SourceStatus, VideoFormat } from '../live/live-types.js';
import { PROTOCOL_VERSION, type ServerMessage } from './protocol.js';
import { checkAccess, refuseUpgrade, requestUrl, SOCKET_PATH } from './request-access.js';
import { ServerTimers } from './server-timers.js';
import {
  resolveStreamServerOptions,
  type StreamServerOptions,
  type StreamServerSettings,
} from './stream-server-options.js';
import { ViewerConnection } from './viewer-connection.js';
import type { ViewerAudience } from './viewer-encoders.js';
import { serveViewerFile } from './viewer-files.js';
import type { ViewerCodec } from './viewer-transports.js';

export type { StreamServerOptions } from './stream-server-options.js';

type ServerState = 'starting' | 'running' | 'closing' | 'closed';

/** How long close() waits for viewers to acknowledge before cutting them off. */
const CLOSE_GRACE_MS = 1000;

/** Checks the options and starts a server; resolves once it listens. */
export function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  return StreamServer.start(options);
}

export class StreamServer implements ViewerAudience {
  private state: ServerState = 'starting';
  private readonly viewers = new Set<ViewerConnection>();
  private source: SourceStatus = { state: 'live' };
  private video: VideoFormat;
  private readonly http: Server;
  private readonly sockets: WebSocketServer;
  private readonly timers: ServerTimers;
  private stopForwarding: (() => void) | undefined;
  private boundPort = 0;
  private pageUrl = '';
  private closing: Promise<void> | undefined;

  /** Checks `options` (throwing before anything listens), then listens. */
  static async start(options: StreamServerOptions): Promise<StreamServer> {
    const server = new StreamServer(await resolveStreamServerOptions(options));
    await server.listen();
    return server;
  }

  private constructor(private readonly settings: StreamServerSettings) {
    this.video = settings.video;
    const { tls, files, access } = settings;
    const serve = (request: IncomingMessage, response: ServerResponse) =>
      serveViewerFile(files, access, request, response);
    this.http = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key }, serve)
      : createServer(serve);
    this.http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    this.sockets = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.timers = new ServerTimers(this.viewers, settings);
  }

  /** The page's URL, with the token when there is one. */
  get url(): string {
    return this.pageUrl;
  }

  get port(): number {
    return this.boundPort;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Offers one frame's message to every viewer that receives `codec`. */
  broadcastFrame(codec: ViewerCodec, frame: OutgoingFrame): void {
    for (const viewer of this.viewers) viewer.offerFrame(codec, frame);
  }

  codecsInUse(): ReadonlySet<ViewerCodec> {
    const inUse = new Set<ViewerCodec>();
    for (const viewer of this.viewers) if (viewer.codec && viewer.open) inUse.add(viewer.codec);
    return inUse;
  }

  setSource(source: SourceStatus): void {
    this.source = source;
    this.broadcast({ type: 'source', source });
  }

  /** The stream's size and rate became known (a source that was not up at the start opened). */
  setVideo(video: VideoFormat): void {
    this.video = { ...video };
    this.broadcast({ type: 'video', ...this.video });
  }

  /** Says goodbye to every viewer and closes the server; resolves when it is closed. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async listen(): Promise<void> {
    const { host, port, tls, token } = this.settings;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.http.address() as AddressInfo).port;
    this.pageUrl = browserUrl(tls ? 'https' : 'http', host, this.boundPort, token);
    this.state = 'running';
    this.stopForwarding = forwardControlChanges(this.settings.controls, (message) =>
      this.broadcast(message),
    );
    this.timers.start();
  }

  /** Admits a viewer's socket, or turns the request away with a plain HTTP answer. */
  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(request);
    if (this.state !== 'running' || url?.pathname !== SOCKET_PATH) {
      return refuseUpgrade(socket, 404, 'Not found');
    }
    const allowed = checkAccess(request, url, this.settings.access, true);
    if (!allowed.ok) return refuseUpgrade(socket, allowed.status, allowed.reason);
    if (this.viewers.size >= this.settings.maxViewers) {
      return refuseUpgrade(socket, 503, 'Too many viewers; try again later');
    }
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.admit(ws));
  }

  private admit(socket: WebSocket): void {
    const { viewer: pacing, firstCodec, controls, codecs } = this.settings;
    const viewer = new ViewerConnection(socket, pacing, firstCodec);
    const channel = new ControlChannel(viewer, controls, codecs);
    this.viewers.add(viewer);
    socket.on('error', () => socket.terminate());
    socket.on('close', () => this.viewers.delete(viewer));
    viewer.sendMessage(this.hello());
    socket.on('message', (data, isBinary) => channel.receive(data, isBinary));
  }

  /** The first message a viewer gets: the stream, the codecs, the gallery and the settings. */
  private hello(): ServerMessage {
    const { controls, codecs, firstCodec } = this.settings;
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      ...this.video,
      ...(controls.levels !== undefined ? { levels: controls.levels } : {}),
      codecs,
      codec: firstCodec ?? null,
      serverTimeMs: Date.now(),
      gallery: controls.gallery.items(),
      settings: controls.settings,
      source: this.source,
    };
  }

  private broadcast(message: ServerMessage): void {
    for (const viewer of this.viewers) viewer.sendMessage(message);
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    this.timers.stop();
    this.stopForwarding?.();
    await Promise.all(
      [...this.viewers].map((viewer) => viewer.goodbye(1001, 'Server stopping', CLOSE_GRACE_MS)),
    );
    this.sockets.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    this.state = 'closed';
  }
}

/** Why the server could not listen, in the words of the options a user gives. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): StylecastError {
  return new StylecastError(
    'BAD_OPTION',
    error.code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`
      : `Cannot listen on ${host}:${port}: ${error.message}`,
    { cause: error },
  );
}

/** The page's address as a browser opens it, with the token when there is one. */
function browserUrl(
  scheme: 'http' | 'https',
  host: string,
  port: number,
  token: string | undefined,
): string {
  // A wildcard address is not one a browser can open: print the loopback one instead.
  const urlHost =
    host === '0.0.0.0'
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${urlHost}:${port}/${query}`;
}
