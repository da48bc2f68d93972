/** Headless Chromium (Debian's `chromium` via playwright-core) for viewer tests, bench:live. */
import { chromium, type Browser } from 'playwright-core';

/** No sandbox (tests run as root), no GPU, and nothing that reaches for the network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `extraArgs` add to the usual flags (a test's own certificate trust, host mappings such as
 * `--host-resolver-rules=MAP viewer.test 127.0.0.1`). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
