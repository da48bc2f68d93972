/**
 * vitest globalSetup: every test, and every CLI a test starts, keeps `--precision auto`'s
 * decisions in a temporary folder, never in the user's ~/.stylecast/cache; and tests that load
 * ONNX Runtime themselves keep its telemetry off, as stylecast does (src/infer/ort-offline.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-cache-'));
  process.env.STYLECAST_CACHE = dir;
  process.env.ORT_DISABLE_TELEMETRY = '1';
  return () => rmSync(dir, { recursive: true, force: true });
}
