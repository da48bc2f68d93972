/**
 * Where `--publish` pushes the stylized stream: a media server's URL, checked, with the container
 * its protocol carries and a form that is safe to print (a stream key is a password).
 */

/** What each protocol takes, and how a URL of it must look. */
const PROTOCOLS = {
  'rtmp:': { protocol: 'rtmp', muxer: 'flv', needsPath: true },
  'rtmps:': { protocol: 'rtmps', muxer: 'flv', needsPath: true },
  'srt:': { protocol: 'srt', muxer: 'mpegts', needsPath: false },
} as const;

export type PublishProtocol = (typeof PROTOCOLS)[keyof typeof PROTOCOLS]['protocol'];

export interface PublishTarget {
  /** The URL as given: what ffmpeg opens. */
  readonly url: string;
  /** ffmpeg's protocol name (`ffmpeg -protocols`). */
  readonly protocol: PublishProtocol;
  /** The container the protocol carries: FLV over RTMP, MPEG-TS over SRT. */
  readonly muxer: 'flv' | 'mpegts';
  /** The URL with its stream key, password and query hidden, for messages. */
  readonly shown: string;
}

export const PUBLISH_RULE =
  'an rtmp://host/app/stream, rtmps://host/app/stream or srt://host:port URL';

/**
 * The URL without what may be secret: the stream name after the application (RTMP's stream
 * key), a user and password, and the query (SRT's `streamid` and `passphrase`).
 */
function shownUrl(url: URL): string {
  const [app, ...rest] = url.pathname.split('/').filter(Boolean);
  const path = app ? `/${app}${rest.length ? '/***' : ''}` : '';
  const query = url.search ? '?***' : '';
  return `${url.protocol}//${url.host}${path}${query}`;
}

/** Checks a publish URL; a bad one is a RangeError that names the rule and the value. */
export function parsePublishTarget(text: string): PublishTarget {
  const refuse = (why: string): RangeError =>
    new RangeError(`Expected \`publish\` to be ${PUBLISH_RULE}, got \`${text}\` (${why})`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('not a URL');
  }
  const kind = PROTOCOLS[url.protocol as keyof typeof PROTOCOLS];
  if (!kind) throw refuse(`${url.protocol.replace(/:$/, '') || 'no'} protocol`);
  if (!url.hostname) throw refuse('no host');
  if (kind.needsPath && url.pathname.split('/').filter(Boolean).length < 2)
    throw refuse('no application and stream name');
  if (kind.protocol === 'srt' && !url.port) throw refuse('no port');
  return { url: text, protocol: kind.protocol, muxer: kind.muxer, shown: shownUrl(url) };
}

/** `text` with the target's URL, and anything secret in it, replaced by its shown form. */
export function redactTarget(text: string, target: PublishTarget): string {
  const url = new URL(target.url);
  const secrets = [
    target.url,
    url.pathname.split('/').filter(Boolean).slice(1).join('/'),
    url.search.slice(1),
    url.password,
  ].filter((secret) => secret.length >= 3);
  let redacted = text.split(target.url).join(target.shown);
  for (const secret of secrets.slice(1)) redacted = redacted.split(secret).join('***');
  return redacted;
}
