import { describe, expect, it } from 'vitest';
import { parseSizeOption, workingSize } from '../../src/decode/working-size.js';

/** [source width, height, --size, expected width, height] */
type SizeCase = [number, number, string, number, number];

function expectWorkingSize([width, height, option, expectedWidth, expectedHeight]: SizeCase) {
  expect(workingSize({ width, height }, parseSizeOption(option))).toEqual({
    width: expectedWidth,
    height: expectedHeight,
  });
}

describe('--size', () => {
  it.each<SizeCase>([
    [1920, 1080, '1280x720', 1280, 720],
    [1920, 1080, '720p', 1280, 720],
    [1080, 1920, '1280x720', 406, 720],
    [641, 479, '360p', 482, 360],
  ])('fits %ix%i into %s as %ix%i: inside the box, aspect kept, even sides', (...size) =>
    expectWorkingSize(size),
  );

  it.each<SizeCase>([
    [640, 360, '101x77', 100, 56],
    [360, 640, '77x101', 56, 100],
  ])('never leaves the box when rounding %ix%i into %s to even sides', (...size) =>
    expectWorkingSize(size),
  );

  it('keeps the source size when not given', () => {
    expect(workingSize({ width: 321, height: 241 })).toEqual({ width: 321, height: 241 });
  });

  it('rejects malformed and absurd sizes with the value received', () => {
    expect(() => parseSizeOption('big')).toThrow(/got `big`/);
    expect(() => parseSizeOption('0x720')).toThrow(RangeError);
    expect(() => parseSizeOption('99999p')).toThrow(/between 2 and 8192/);
  });
});
