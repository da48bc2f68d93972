import { describe, expect, it } from 'vitest';
import { parseSizeOption, workingSize } from '../../src/decode/working-size.js';

describe('--size', () => {
  it('fits WxH inside the box and Np to the height, aspect kept, even sides', () => {
    expect(workingSize({ width: 1920, height: 1080 }, parseSizeOption('1280x720'))).toEqual({
      width: 1280,
      height: 720,
    });
    expect(workingSize({ width: 1920, height: 1080 }, parseSizeOption('720p'))).toEqual({
      width: 1280,
      height: 720,
    });
    expect(workingSize({ width: 1080, height: 1920 }, parseSizeOption('1280x720'))).toEqual({
      width: 406,
      height: 720,
    });
    expect(workingSize({ width: 641, height: 479 }, parseSizeOption('360p'))).toEqual({
      width: 482,
      height: 360,
    });
  });

  it('never leaves the box when rounding to even sides', () => {
    expect(workingSize({ width: 640, height: 360 }, parseSizeOption('101x77'))).toEqual({
      width: 100,
      height: 56,
    });
    expect(workingSize({ width: 360, height: 640 }, parseSizeOption('77x101'))).toEqual({
      width: 56,
      height: 100,
    });
  });

  it('keeps the source size when not given', () => {
    expect(workingSize({ width: 321, height: 241 })).toEqual({ width: 321, height: 241 });
  });

  it('rejects malformed and absurd sizes with the value received', () => {
    expect(() => parseSizeOption('big')).toThrow(/got `big`/);
    expect(() => parseSizeOption('0x720')).toThrow(RangeError);
    expect(() => parseSizeOption('99999p')).toThrow(/between 2 and 8192/);
  });
});
