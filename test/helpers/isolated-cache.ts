/**
 * vitest globalSetup: every test, and every CLI a test starts, keeps `--precision auto`'s
 * decisions in a temporary folder, never in the user's ~/.stylecast/cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-cache-'));
  process.env.STYLECAST_CACHE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
