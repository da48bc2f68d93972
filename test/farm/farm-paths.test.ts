import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkPath, existingInsideFarm, insideFarm } from '../../src/farm/farm-paths.js';
import { parseChunkJob } from '../../src/farm/chunk-job.js';
import { tempDir } from '../helpers/media.js';

const temp = tempDir('stylecast-farm-paths-');
afterAll(() => temp.cleanup());

describe('farm paths', () => {
  it('keeps every path a job names inside the farm folder', async () => {
    const dir = join(temp.dir, 'farm');
    mkdirSync(join(dir, 'inputs'), { recursive: true });
    writeFileSync(join(dir, 'inputs', 'a.mp4'), 'x');
    writeFileSync(join(temp.dir, 'secret'), 'x');
    symlinkSync(join(temp.dir, 'secret'), join(dir, 'inputs', 'link.mp4'));
    expect(insideFarm(dir, 'inputs/a.mp4', 'input')).toBe(join(dir, 'inputs', 'a.mp4'));
    for (const bad of ['/etc/passwd', '../secret', 'inputs/../../secret', '.', 'a\0b'])
      expect(() => insideFarm(dir, bad, 'input'), bad).toThrow(/inside the farm folder/);
    await expect(existingInsideFarm(dir, 'inputs/link.mp4', 'input')).rejects.toThrow(
      /links outside the farm folder/,
    );
    await expect(existingInsideFarm(dir, 'inputs/none.mp4', 'input')).rejects.toThrow(
      /has no inputs\/none.mp4: does every machine mount the same shared folder/,
    );
    expect(() => chunkPath(dir, '../../x')).toThrow(/not hex/);
  });

  it('rejects a malformed job with the field that is wrong', () => {
    expect(() => parseChunkJob({ version: '0.1.0' })).toThrow(
      /Chunk job is malformed at `renderKey`/,
    );
  });
});
