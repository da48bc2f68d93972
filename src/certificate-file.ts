/**
 * A file an option names (a certificate, a key, a CA), read and checked before anything starts:
 * each problem is one line naming the option and the file.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { badOption } from './errors.js';

/** The file's bytes; one that cannot be read is ``Cannot read `tlsCert` x.pem: no such file``. */
export async function readOptionFile(option: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    throw badOption(`Cannot read \`${option}\` ${path}: ${reason}`, error);
  }
}

/**
 * The first certificate in a PEM file's bytes. Anything else, DER included (TLS libraries are
 * given these files as PEM), is `` `tlsCert` x.pem is not a PEM certificate``.
 */
export function pemCertificate(option: string, path: string, pem: Buffer): X509Certificate {
  const refuse = (cause?: unknown) =>
    badOption(`\`${option}\` ${path} is not a PEM certificate`, cause);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw refuse();
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw refuse(error);
  }
}
