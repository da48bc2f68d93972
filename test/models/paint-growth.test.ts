import { beforeAll, describe, expect, it } from 'vitest';
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
  read_resumed: number | null;
  read_ema: number | null;
  read_manifest: [number, string | null];
  read_graph_change: number;
}

describe('paint training: stages that grow the student or change how it reads a style', { timeout: HEAVY }, () => {
  let f: GrowthFigures;
  beforeAll(async () => {
    const r = await runPython('test/models/paint_growth.py', []);
    expect(r.code, r.stderr).toBe(0);
    f = JSON.parse(r.stdout) as GrowthFigures;
  }, HEAVY);

  it('adds a residual block that changes nothing until trained, and resumes grown', () => {
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

  it('reads styles at a longer side of 512 once a stage says so: resumed, exported and declared', () => {
    expect([f.read_resumed, f.read_ema]).toEqual([512, 512]);
    // the runtime gives the encoder the style at a longer side of 512 (styleFit inside): no squashing in the graph
    expect(f.read_manifest).toEqual([512, 'inside']);
    expect(f.read_graph_change).toBe(0);
  });
});
