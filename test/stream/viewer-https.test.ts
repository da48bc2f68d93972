/**
 * The viewer over HTTPS/WSS (`tlsCert`, `tlsKey`): a certificate authority and server certificate
 * made by openssl here, and the page opened by real headless Chromium under a name the certificate
 * is for (`viewer.test`, mapped to loopback), which is a secure context only because it is HTTPS.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import type { LiveRun } from '../../src/live/live-run.js';
import { poolStylizer } from '../../src/stylizer/open-stylizer.js';
import { LiveControls } from '../../src/stream/live-controls.js';
import { startStreamServer } from '../../src/stream/stream-server.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import { certifiedUrls } from '../../src/cli/live-lines.js';
import { launchChromium } from '../helpers/chromium.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/test-certificates.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';
import { startTestLive, writeStyleImages, type StyleImages } from './live-test-helpers.js';

declare const window: { stylecast: { framesDrawn: number }; isSecureContext: boolean };
declare const location: { protocol: string };

let certificates: TestCertificates;
let styleImages: StyleImages;
let pool: InferencePool;
let gallery: StyleGallery;

beforeAll(async () => {
  certificates = await makeTestCertificates(['viewer.test', 'localhost']);
  styleImages = await writeStyleImages();
  pool = await InferencePool.open(await loadModel(TINY_MODEL), { device: 'cpu', workers: 1 });
  gallery = await StyleGallery.fromFiles(styleImages.paths, {
    maxUploadBytes: 1 << 20,
    maxUploads: 4,
  });
});

afterAll(async () => {
  await pool?.close();
  await styleImages?.remove();
  await certificates?.remove();
});

describe('the viewer over HTTPS', () => {
  let run: LiveRun;
  let browser: Browser;
  afterAll(async () => {
    await run?.stop();
    await browser?.close();
  });

  it('serves the page and the socket over TLS; Chromium trusting the test CA draws frames', async () => {
    run = await startTestLive(poolStylizer(pool), styleImages.paths, {
      size: { width: 160, height: 96 },
      fps: 10,
      server: { port: 0, token: 'secret', tlsCert: certificates.cert, tlsKey: certificates.key },
    });
    expect(run.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=secret$/);
    browser = await launchChromium([
      `--ignore-certificate-errors-spki-list=${certificates.caSpkiHash}`,
      '--host-resolver-rules=MAP viewer.test 127.0.0.1',
    ]);
    const page = await browser.newPage();
    const pageUrl = run.url.replace('127.0.0.1', 'viewer.test');
    const response = await page.goto(pageUrl);
    expect(response?.status()).toBe(200);
    expect(await page.evaluate(() => location.protocol)).toBe('https:');
    // viewer.test is no loopback name: only HTTPS makes the page a secure context (WebCodecs).
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    // Frames arrive over WSS (a page served over HTTPS may not open ws:) and are drawn.
    await page.waitForFunction(() => window.stylecast?.framesDrawn >= 3);
    expect(run.server.viewerCount).toBe(1);
  });
});

describe('certificate problems are one line each, before anything listens', () => {
  const server = async (files: { tlsCert?: string; tlsKey?: string }) => {
    const controls = await LiveControls.create(
      gallery,
      { styles: [{ name: 'red', weight: 1 }], alpha: 1, preserveColor: false },
      async () => null,
    );
    return startStreamServer({
      port: 0,
      controls,
      video: { width: 0, height: 0, fps: 0 },
      stats: () => ({}) as never,
      ...files,
    });
  };

  it('names what is wrong', async () => {
    const { cert, key, otherKey, dir } = certificates;
    await expect(server({ tlsCert: cert })).rejects.toThrow(
      '`tlsCert` needs `tlsKey` too: HTTPS takes a certificate and its key',
    );
    await expect(server({ tlsKey: key })).rejects.toThrow(
      '`tlsKey` needs `tlsCert` too: HTTPS takes a certificate and its key',
    );
    await expect(server({ tlsCert: `${dir}/missing.crt`, tlsKey: key })).rejects.toThrow(
      `Cannot read \`tlsCert\` ${dir}/missing.crt: no such file`,
    );
    await expect(server({ tlsCert: key, tlsKey: key })).rejects.toThrow(
      `\`tlsCert\` ${key} is not a PEM certificate`,
    );
    await expect(server({ tlsCert: cert, tlsKey: cert })).rejects.toThrow(
      `\`tlsKey\` ${cert} is not a PEM private key`,
    );
    await expect(server({ tlsCert: cert, tlsKey: otherKey })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: `\`tlsKey\` ${otherKey} is not the key of the certificate in ${cert}`,
    });
  });
});

describe('stylecast live --tls-cert --tls-key', () => {
  it('names the page by the names its certificate is for', () => {
    expect(
      certifiedUrls('https://127.0.0.1:8443/?token=a', ['cam.example', '*.lan', 'localhost']),
    ).toEqual(['https://cam.example:8443/?token=a']);
  });

  it("exits with one line when the key is not the certificate's, before loading the model", async () => {
    const { cert, otherKey } = certificates;
    const { code, stdout, stderr } = await runCli([
      'live',
      '--input',
      'testsrc',
      '--model',
      TINY_MODEL,
      '--port',
      '0',
      '--tls-cert',
      cert,
      '--tls-key',
      otherKey,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(errorLines(stderr)).toEqual([
      `stylecast: \`tlsKey\` ${otherKey} is not the key of the certificate in ${cert}`,
    ]);
  });
});
