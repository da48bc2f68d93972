import { describe, expect, it } from 'vitest';
import { formatTime, parseTime } from '../../src/schedule/parse-time.js';

describe('parseTime', () => {
  it('reads seconds given as numbers', () => {
    expect(parseTime(0)).toBe(0);
    expect(parseTime(4.5)).toBe(4.5);
    expect(parseTime(3600)).toBe(3600);
  });

  it('reads decimal strings as seconds', () => {
    expect(parseTime('4.5')).toBe(4.5);
    expect(parseTime(' 12 ')).toBe(12);
  });

  it('reads [h:]mm:ss[.fff] strings', () => {
    expect(parseTime('0:04.5')).toBe(4.5);
    expect(parseTime('00:04')).toBe(4);
    expect(parseTime('1:30')).toBe(90);
    expect(parseTime('12:00.250')).toBe(720.25);
    expect(parseTime('1:02:03.5')).toBeCloseTo(3723.5, 9);
    expect(parseTime('0:00:00')).toBe(0);
    expect(parseTime('90:00')).toBe(5400);
  });

  it('rejects negative and non-finite numbers with a RangeError', () => {
    expect(() => parseTime(-1)).toThrow(RangeError);
    expect(() => parseTime(-1)).toThrow('must be a time of 0 seconds or more, got -1');
    expect(() => parseTime(Number.NaN)).toThrow(RangeError);
    expect(() => parseTime(Infinity)).toThrow(RangeError);
  });

  it('rejects malformed strings with a RangeError naming the value', () => {
    for (const bad of ['', 'soon', '1:2:3:4', '-0:04', '0:4.', '4s', '1:7', '0:04,5']) {
      expect(() => parseTime(bad), bad).toThrow(RangeError);
    }
    expect(() => parseTime('soon')).toThrow('got "soon"');
  });

  it('rejects out-of-range clock fields', () => {
    expect(() => parseTime('0:75')).toThrow('seconds must be below 60 in "0:75"');
    expect(() => parseTime('1:60:00')).toThrow('minutes must be below 60 in "1:60:00"');
  });

  it('rejects other types with a TypeError', () => {
    expect(() => parseTime(null)).toThrow(TypeError);
    expect(() => parseTime(true)).toThrow('got true');
    expect(() => parseTime({})).toThrow('got an object');
    expect(() => parseTime(undefined)).toThrow(TypeError);
  });
});

describe('formatTime', () => {
  it('prints [h:]m:ss.fff', () => {
    expect(formatTime(0)).toBe('0:00.000');
    expect(formatTime(4.5)).toBe('0:04.500');
    expect(formatTime(75.25)).toBe('1:15.250');
    expect(formatTime(3723.5)).toBe('1:02:03.500');
    expect(formatTime(Infinity)).toBe('end');
  });

  it('round-trips through parseTime', () => {
    for (const seconds of [0, 0.001, 4.5, 59.999, 61, 3599.5, 7322.125]) {
      expect(parseTime(formatTime(seconds))).toBeCloseTo(seconds, 6);
    }
  });
});
