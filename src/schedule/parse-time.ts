/**
 * A schedule time: seconds as a number (`4.5`), or a string `[h:]mm:ss[.fff]` (`"0:04.5"`,
 * `"1:02:03.250"`). A plain decimal string (`"4.5"`) is read as seconds too.
 */

import { describeValue } from './describe-value.js';

const CLOCK = /^(?:(\d+):)?(\d+):(\d{2})(?:\.(\d+))?$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * Parses a schedule time into seconds. Throws a `TypeError` for a value that is neither a number
 * nor a string, and a `RangeError` for a negative, non-finite or malformed time; the message says
 * what was received (callers prefix the field's path).
 */
export function parseTime(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`must be a time of 0 seconds or more, got ${String(value)}`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw new TypeError(
      `must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got ${describeValue(value)}`,
    );
  }
  const text = value.trim();
  if (DECIMAL.test(text)) return Number(text);
  const match = CLOCK.exec(text);
  if (!match) {
    throw new RangeError(
      `must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got ${JSON.stringify(value)}`,
    );
  }
  const [, hoursText, minutesText, secondsText, fractionText] = match;
  const hours = hoursText === undefined ? 0 : Number(hoursText);
  const minutes = Number(minutesText);
  const seconds = Number(secondsText);
  if (hoursText !== undefined && minutes >= 60) {
    throw new RangeError(`minutes must be below 60 in ${JSON.stringify(value)}`);
  }
  if (seconds >= 60) {
    throw new RangeError(`seconds must be below 60 in ${JSON.stringify(value)}`);
  }
  const fraction = fractionText === undefined ? 0 : Number(`0.${fractionText}`);
  return hours * 3600 + minutes * 60 + seconds + fraction;
}

/** Formats seconds as `[h:]m:ss.fff` for people reading a timeline (`4.5` → `0:04.500`). */
export function formatTime(seconds: number): string {
  if (seconds === Infinity) return 'end';
  const totalMs = Math.round(seconds * 1000);
  const ms = totalMs % 1000;
  const totalSeconds = (totalMs - ms) / 1000;
  const s = totalSeconds % 60;
  const totalMinutes = (totalSeconds - s) / 60;
  const m = totalMinutes % 60;
  const h = (totalMinutes - m) / 60;
  const tail = `${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${tail}` : `${m}:${tail}`;
}
