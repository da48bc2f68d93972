/**
 * How an `rtmps://` publisher checks the media server it reaches, as OBS does: the server's
 * certificate must be for the URL's host and come from a CA the system trusts, or, with
 * `publishCa`, from one in that PEM file instead (a private CA, or a self-signed server's own
 * certificate). ffmpeg alone checks nothing (its `tls_verify` is 0): the stream key would be safe
 * from eavesdroppers but not from a server pretending to be the platform.
 *
 * ffmpeg's TLS (GnuTLS in the bundled build and Debian's) reads the system's CAs itself
 * (/etc/ssl/certs/ca-certificates.crt) when it is given no `-ca_file`.
 */
import { resolve } from 'node:path';
import { pemCertificate, readOptionFile } from '../certificate-file.js';
import type { PublishTarget } from './publish-target.js';

/** Checks that `publishCa` is a readable PEM certificate; its absolute path, for ffmpeg. */
export async function loadPublishCa(path: string): Promise<string> {
  pemCertificate('publishCa', path, await readOptionFile('publishCa', path));
  return resolve(path);
}

/**
 * ffmpeg's output options that make its TLS check the server (given before the URL, they reach
 * the TLS layer under RTMP); none for a target without TLS.
 */
export function certificateCheckArgs(target: PublishTarget, caFile?: string): string[] {
  if (target.protocol !== 'rtmps') return [];
  return ['-tls_verify', '1', ...(caFile === undefined ? [] : ['-ca_file', caFile])];
}

/**
 * Why the TLS layer refused the server, in ffmpeg's words, when that is why the connection
 * ended: GnuTLS says `Peer certificate failed verification` or `The certificate's owner does not
 * match hostname …`, OpenSSL `… certificate verify failed`. ffmpeg's last line is only
 * `Input/output error`.
 */
export function certificateRefusal(stderrTail: string): string | undefined {
  const refusal = stderrTail
    .split('\n')
    .filter((line) => /^\[tls @[^\]]*\]/.test(line) && /certificate|verif/i.test(line))
    .at(-1);
  if (!refusal) return undefined;
  return `the server's certificate is not trusted: ${refusal.replace(/^\[[^\]]*\]\s*/, '').trim()}`;
}
