import { describe, expect, it } from 'vitest';
import { runPython } from './import-helpers.js';

// Python (torch) starts beside model training on two cores: be patient, not flaky.
const HEAVY = 300_000;

/** What test/models/paint_growth.py prints. */
interface GrowthFigures {
  blocks_before: number;
  blocks_after: number;
  resumed_blocks: number;
  max_change: number;
  output_range: number;
  params: number;
  moments_kept: number;
  new_block_params: number;
  export_change: number;
}

describe('paint training: a stage that grows the student', { timeout: HEAVY }, () => {
  it('adds a residual block that changes nothing until trained, and resumes grown', async () => {
    const r = await runPython('test/models/paint_growth.py', []);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as GrowthFigures;
    expect(f.blocks_after).toBe(f.blocks_before + 1);
    expect(f.output_range).toBeGreaterThan(10); // a real picture's range, so "no change" means something
    expect(f.max_change).toBe(0);
    // Adam's moments carry over for every parameter but the new block's and the resized modulation map's
    expect(f.new_block_params).toBe(4);
    expect(f.moments_kept).toBe(f.params - f.new_block_params - 2);
    // a grown checkpoint resumes, and exports, as the grown network
    expect(f.resumed_blocks).toBe(f.blocks_after);
    expect(f.export_change).toBe(0);
  });
});
