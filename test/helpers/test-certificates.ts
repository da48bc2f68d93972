/**
 * A certificate authority of the test's own and a server certificate it signed, made by `openssl`
 * in a temporary folder, for the HTTPS viewer and RTMPS publishing tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The server's certificate followed by the CA's (a chain, as a real one is served). */
  cert: string;
  key: string;
  /** The CA's certificate (PEM): what a client that trusts the test's CA is given. */
  ca: string;
  /** A key that is not the certificate's. */
  otherKey: string;
  /**
   * Base64 SHA-256 of the CA's public key: Chromium's `--ignore-certificate-errors-spki-list`
   * trusts a chain that holds it.
   */
  caSpkiHash: string;
  remove(): Promise<void>;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

const newKey = (file: string, cwd: string): void =>
  openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file],
    cwd,
  );

/** A CA, and a server certificate it signed for `names` (DNS names) and 127.0.0.1. */
export async function makeTestCertificates(names: string[]): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'stylecast-tls-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    newKey('ca.key', dir);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.key',
        '-days',
        '2',
        '-subj',
        '/CN=stylecast test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        'ca.crt',
      ],
      dir,
    );
    newKey('server.key', dir);
    newKey('other.key', dir);
    openssl(
      ['req', '-new', '-key', 'server.key', '-subj', `/CN=${names[0]}`, '-out', 'server.csr'],
      dir,
    );
    const altNames = [...names.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',');
    await writeFile(
      join(dir, 'server.ext'),
      `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        'server.ext',
        '-out',
        'server.crt',
      ],
      dir,
    );
    const caPem = await readFile(join(dir, 'ca.crt'));
    const chain = join(dir, 'chain.crt');
    await writeFile(chain, Buffer.concat([await readFile(join(dir, 'server.crt')), caPem]));
    const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
    return {
      dir,
      cert: chain,
      key: join(dir, 'server.key'),
      ca: join(dir, 'ca.crt'),
      otherKey: join(dir, 'other.key'),
      caSpkiHash: createHash('sha256').update(spki).digest('base64'),
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
