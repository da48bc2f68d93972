/**
 * RTMPS in front of the test's nginx-rtmp, which speaks no TLS: a TLS server on a free loopback
 * port, serving the test CA's certificate, hands each connection's bytes to nginx-rtmp.
 */
import { readFile } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:tls';
import { makeTestCertificates, type TestCertificates } from '../helpers/test-certificates.js';

export interface TlsFront {
  /** `rtmps://127.0.0.1:PORT/live/NAME`: publishing there reaches nginx-rtmp's `live/NAME`. */
  streamUrl(name: string): string;
  /** The certificates it serves: `ca` is the CA that signed them. */
  certificates: TestCertificates;
  close(): Promise<void>;
}

export async function startTlsFront(rtmpPort: number): Promise<TlsFront> {
  const certificates = await makeTestCertificates(['localhost']);
  const sockets = new Set<Socket>();
  const front = createServer(
    { cert: await readFile(certificates.cert), key: await readFile(certificates.key) },
    (secure) => {
      const plain = connect(rtmpPort, '127.0.0.1');
      for (const socket of [secure, plain]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      }
      secure.pipe(plain).pipe(secure);
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
    },
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as AddressInfo;
  return {
    streamUrl: (name) => `rtmps://127.0.0.1:${port}/live/${name}`,
    certificates,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => front.close(resolve));
      await certificates.remove();
    },
  };
}
