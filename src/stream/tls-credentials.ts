/**
 * The certificate and key that serve the viewer page over HTTPS (and its socket over WSS), read
 * and checked before the server starts: each file readable and PEM of the right kind, and the key
 * the certificate's own. Each problem is one line naming the option and the file.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { badOption } from '../errors.js';
import { pemCertificate, readOptionFile } from '../certificate-file.js';

export interface TlsFiles {
  /** PEM certificate (the server's, then any intermediates). */
  tlsCert?: string;
  /** PEM private key of that certificate, unencrypted. */
  tlsKey?: string;
}

export interface TlsCredentials {
  /** What `https.createServer` takes. */
  cert: Buffer;
  key: Buffer;
  /** The DNS names the certificate is for: a browser that opened one of them sends it as `Host`. */
  hostNames: string[];
}

/** `DNS:a.example, IP Address:127.0.0.1` → `['a.example']`. */
export function dnsNames(subjectAltName: string | undefined): string[] {
  return (subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/** Reads and checks the pair; `undefined` when neither is given (plain HTTP). */
export async function loadTlsCredentials(files: TlsFiles): Promise<TlsCredentials | undefined> {
  const { tlsCert, tlsKey } = files;
  if (tlsCert === undefined && tlsKey === undefined) return undefined;
  if (tlsCert === undefined || tlsKey === undefined) {
    const [given, missing] = tlsCert === undefined ? ['tlsKey', 'tlsCert'] : ['tlsCert', 'tlsKey'];
    throw badOption(`\`${given}\` needs \`${missing}\` too: HTTPS takes a certificate and its key`);
  }
  const [cert, key] = await Promise.all([
    readOptionFile('tlsCert', tlsCert),
    readOptionFile('tlsKey', tlsKey),
  ]);
  const certificate = pemCertificate('tlsCert', tlsCert, cert);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    const encrypted = /passphrase|decrypt/i.test((error as Error).message);
    throw badOption(
      `\`tlsKey\` ${tlsKey} is not ${encrypted ? 'an unencrypted' : 'a PEM'} private key`,
      error,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw badOption(`\`tlsKey\` ${tlsKey} is not the key of the certificate in ${tlsCert}`);
  }
  return { cert, key, hostNames: dnsNames(certificate.subjectAltName) };
}
