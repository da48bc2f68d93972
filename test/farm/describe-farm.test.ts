import { describe, expect, it } from 'vitest';
import { describeFarm } from '../../src/farm/farm-connection.js';

describe('describeFarm', () => {
  it('hides the password of any farm URL, parsed or not', () => {
    expect(describeFarm('redis://:secret@queue.lan:6379')).toBe('redis://:***@queue.lan:6379');
    expect(describeFarm('rediss://user:secret@queue.lan')).toBe('rediss://user:***@queue.lan');
    // Not a URL `new URL` takes (a `/` in the password): still hidden, up to the last `@`.
    expect(describeFarm('redis://user:se/cr@t@queue.lan')).toBe('redis://user:***@queue.lan');
    expect(describeFarm('redis://queue.lan:6379')).toBe('redis://queue.lan:6379');
  });
});
