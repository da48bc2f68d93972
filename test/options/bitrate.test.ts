import { describe, expect, it } from 'vitest';
import { liveOptions, parseBitrate } from '../../src/options/options.js';

describe('--bitrate', () => {
  it('reads bits per second with an optional k or M', () => {
    expect(parseBitrate('3M')).toBe(3_000_000);
    expect(parseBitrate('2.5m')).toBe(2_500_000);
    expect(parseBitrate('800k')).toBe(800_000);
    expect(parseBitrate(' 1500000 ')).toBe(1_500_000);
    expect(parseBitrate('3 Mbit')).toBeNaN();
  });

  it('refuses a value outside 100k to 100M, by flag or by library call, in the same words', () => {
    const words = /^Expected `bitrate` to be bits per second from 100k to 100M, got `/;
    expect(() => liveOptions.bitrate.parse('50k')).toThrow(words);
    expect(() => liveOptions.bitrate.parse('fast')).toThrow(words);
    expect(() => liveOptions.bitrate.check(200_000_000)).toThrow(words);
    expect(() => liveOptions.bitrate.check('3M')).toThrow(words);
    expect(liveOptions.bitrate.check(1_000_000)).toBe(1_000_000);
  });
});
