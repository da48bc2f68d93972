/**
 * What a stream server is started with (`StreamServerOptions`, each option documented once with
 * its default), and those options checked and resolved into the server's settings before it
 * binds anything: host, port, token and origins by the CLI's own rules (src/options), the
 * certificate pair read and checked, the codecs known, the viewer's files in memory.
 */
import { expected, checkOptions, pickOptions } from '../options/define-option.js';
import { liveOptions } from '../options/options.js';
import type { LiveControls } from './live-controls.js';
import type { StatsSnapshot, VideoFormat } from '../live/live-types.js';
import type { AccessOptions } from './request-access.js';
import { loadTlsCredentials, type TlsCredentials } from './tls-credentials.js';
import type { ViewerConnectionOptions } from './viewer-connection.js';
import { loadViewerFiles, type ViewerFiles } from './viewer-files.js';
import { VIEWER_CODECS, type ViewerCodec } from './viewer-transports.js';

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
  /**
   * Largest client text message; bigger ones close the socket with 1009.
   * @default 8 MiB
   */
  maxMessageBytes?: number;
  /**
   * A frame goes to a viewer only while its socket buffers at most this much.
   * @default 512 KiB
   */
  maxBufferedBytes?: number;
  /**
   * How often every viewer is pinged; one that has not answered the last ping is cut off.
   * @default 10000
   */
  heartbeatMs?: number;
  /**
   * Most viewers at once; more are refused with 503 until one leaves.
   * @default 64
   */
  maxViewers?: number;
  /**
   * How often each viewer gets a `stats` message.
   * @default 1000
   */
  statsIntervalMs?: number;
  /** Where the viewer's files are; the package's own viewer by default. */
  viewerDirectory?: string;
  /**
   * The codecs frames are sent in, best first (`offeredCodecs` of `--viewer-codec`). A viewer
   * gets JPEG, where it is offered, until it names the codecs it decodes. Default: all.
   */
  codecs?: readonly ViewerCodec[];
}

/** The options checked, every default filled in, and what they name read from disk. */
export interface StreamServerSettings {
  host: string;
  port: number;
  token: string | undefined;
  /** Who may open the page and the socket (`request-access.ts`). */
  access: AccessOptions;
  /** HTTPS when present. */
  tls: TlsCredentials | undefined;
  codecs: ViewerCodec[];
  /** What a viewer gets before it says what it decodes: JPEG, which every browser shows. */
  firstCodec: ViewerCodec | undefined;
  files: ViewerFiles;
  controls: LiveControls<unknown>;
  video: VideoFormat;
  stats: () => StatsSnapshot;
  maxMessageBytes: number;
  maxViewers: number;
  heartbeatMs: number;
  statsIntervalMs: number;
  /** How each viewer's frames are paced. */
  viewer: ViewerConnectionOptions;
}

/**
 * Most frames on their way to a viewer that acknowledges them: enough for 30 fps over a 100 ms
 * round trip, few enough that a slow link holds a fraction of a second, not seconds.
 */
const MAX_UNACKNOWLEDGED_FRAMES = 4;
/** Most frames handed to a viewer's socket and not yet written out. */
const MAX_FRAMES_IN_FLIGHT = 2;
/** A viewer whose socket holds more than this (or four times `maxBufferedBytes`) is cut off. */
const MIN_HARD_LIMIT_BYTES = 8 * 1024 * 1024;

const SERVER_OPTIONS = pickOptions(
  liveOptions,
  'host',
  'port',
  'token',
  'allowOrigin',
  'tlsCert',
  'tlsKey',
);

/** Checks `options` and reads the files they name; throws before anything listens. */
export async function resolveStreamServerOptions(
  options: StreamServerOptions,
): Promise<StreamServerSettings> {
  // Checked by the CLI's rules (src/options): `allowedOrigins` is the list of `--allow-origin`s.
  const { host, port, token, allowOrigin, tlsCert, tlsKey } = checkOptions(SERVER_OPTIONS, {
    ...options,
    allowOrigin: options.allowedOrigins,
  });
  const tls = await loadTlsCredentials({ tlsCert, tlsKey });
  const codecs = [...(options.codecs ?? VIEWER_CODECS)];
  if (codecs.length === 0 || codecs.some((codec) => !VIEWER_CODECS.includes(codec))) {
    throw expected('codecs', `a list of ${VIEWER_CODECS.join(', ')}`, codecs);
  }
  const maxBufferedBytes = options.maxBufferedBytes ?? 512 * 1024;
  return {
    host,
    port,
    token,
    // A browser that opened a name the certificate is for sends that name as `Host`.
    access: { host, token, allowedOrigins: allowOrigin ?? [], hostNames: tls?.hostNames ?? [] },
    tls,
    codecs,
    firstCodec: codecs.includes('jpeg') ? 'jpeg' : undefined,
    files: await loadViewerFiles(options.viewerDirectory),
    controls: options.controls,
    video: { ...options.video },
    stats: options.stats,
    maxMessageBytes: options.maxMessageBytes ?? 8 * 1024 * 1024,
    maxViewers: options.maxViewers ?? 64,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    statsIntervalMs: options.statsIntervalMs ?? 1000,
    viewer: {
      maxBufferedBytes,
      maxFramesInFlight: MAX_FRAMES_IN_FLIGHT,
      maxUnacknowledged: MAX_UNACKNOWLEDGED_FRAMES,
      hardLimitBytes: Math.max(MIN_HARD_LIMIT_BYTES, maxBufferedBytes * 4),
    },
  };
}
