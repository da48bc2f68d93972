import { describe, expect, it } from 'vitest';
import {
  describePrecision,
  median,
  parsePrecision,
  pickPrecision,
  planStylizers,
  timedSize,
} from '../../src/infer/choose-precision.js';
import type { ModelFiles } from '../../src/infer/load-model.js';

const withInt8 = {
  card: { name: 'paint' },
  stylizerInt8Path: '/m/stylizer.int8.onnx',
} as Pick<ModelFiles, 'card' | 'stylizerInt8Path'>;
const floatOnly = { card: { name: 'tiny' } } as Pick<ModelFiles, 'card' | 'stylizerInt8Path'>;

describe('parsePrecision', () => {
  it('takes auto, fp32 and int8, and names anything else', () => {
    expect(['auto', 'fp32', 'int8'].map(parsePrecision)).toEqual(['auto', 'fp32', 'int8']);
    expect(() => parsePrecision('fp16')).toThrow(
      'Expected `precision` to be one of auto, fp32, int8, got `fp16`',
    );
  });
});

describe('planStylizers', () => {
  it('auto times both graphs only where the CPU may run them', () => {
    expect(planStylizers('auto', withInt8, 'auto')).toEqual({ open: 'both', cpuOnly: false });
    expect(planStylizers('auto', withInt8, 'cpu')).toEqual({ open: 'both', cpuOnly: false });
    expect(planStylizers('auto', withInt8, 'cuda')).toEqual({
      open: 'fp32',
      reason: 'provider',
      cpuOnly: false,
    });
    expect(planStylizers('auto', floatOnly, 'cpu')).toEqual({
      open: 'fp32',
      reason: 'only',
      cpuOnly: false,
    });
  });

  it('fp32 always opens the stylizer; int8 opens the variant on the CPU', () => {
    for (const model of [withInt8, floatOnly])
      expect(planStylizers('fp32', model, 'tensorrt')).toMatchObject({ open: 'fp32' });
    expect(planStylizers('int8', withInt8, 'auto')).toEqual({
      open: 'int8',
      reason: 'asked',
      cpuOnly: true,
    });
    expect(planStylizers('int8', withInt8, 'cpu')).toMatchObject({ open: 'int8' });
  });

  it('refuses int8 without a variant, or on a GPU provider, in one line', () => {
    expect(() => planStylizers('int8', floatOnly, 'cpu')).toThrow(
      /^`--precision int8`: model `tiny` has no int8 variant \(its model\.json names no `stylizerInt8`\)$/,
    );
    for (const device of ['cuda', 'tensorrt', 'webgpu'] as const) {
      expect(() => planStylizers('int8', withInt8, device)).toThrow(
        expect.objectContaining({
          code: 'BAD_OPTION',
          message: expect.stringMatching(
            new RegExp(
              `^\`--precision int8\` runs on the CPU provider only, got \`--device ${device}\``,
            ),
          ),
        }),
      );
    }
  });
});

describe('pickPrecision', () => {
  it('picks the graph with the lower median time per frame', () => {
    expect(pickPrecision({ fp32Ms: [60, 58, 90], int8Ms: [45, 44, 46] })).toEqual({
      precision: 'int8',
      int8Speedup: 60 / 45,
    });
    expect(pickPrecision({ fp32Ms: [40, 41, 39], int8Ms: [55, 52, 54] }).precision).toBe('fp32');
  });

  it('keeps fp32 unless int8 wins clearly: one slow outlier or a 2% edge is not enough', () => {
    // An outlier in fp32 moves its mean but not its median.
    expect(pickPrecision({ fp32Ms: [50, 50, 500], int8Ms: [50, 49, 51] }).precision).toBe('fp32');
    expect(pickPrecision({ fp32Ms: [51, 51, 51], int8Ms: [50, 50, 50] }).precision).toBe('fp32');
    expect(pickPrecision({ fp32Ms: [53, 53, 53], int8Ms: [50, 50, 50] }).precision).toBe('int8');
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('timedSize', () => {
  it('times at the working size, shrunk to 720p pixels at most, aspect kept', () => {
    expect(timedSize({ width: 640, height: 360 })).toEqual({ width: 640, height: 360 });
    expect(timedSize({ width: 1280, height: 720 })).toEqual({ width: 1280, height: 720 });
    expect(timedSize({ width: 3840, height: 2160 })).toEqual({ width: 1280, height: 720 });
    expect(timedSize({ width: 4000, height: 3000 })).toEqual({ width: 1109, height: 831 });
  });
});

describe('describePrecision', () => {
  it('says which graph runs, and why where it was measured', () => {
    expect(describePrecision({ precision: 'int8', reason: 'measured', int8Speedup: 1.314 })).toBe(
      'int8 (1.31x faster than fp32 here, measured)',
    );
    expect(describePrecision({ precision: 'fp32', reason: 'cached', int8Speedup: 0.9 })).toBe(
      'fp32 (int8 only 0.90x as fast here, cached)',
    );
    expect(describePrecision({ precision: 'fp32', reason: 'only' })).toBe('fp32');
    expect(describePrecision({ precision: 'int8', reason: 'asked' })).toBe('int8');
  });
});
