import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../src/retry-budget.js';

describe('RetryBudget', () => {
  it('doubles the wait from the first delay up to the cap, then is spent', () => {
    const budget = new RetryBudget(4, { firstDelayMs: 1000, maxDelayMs: 5000 });
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([
      1000, 2000, 4000, 5000,
    ]);
    expect(budget.failures).toBe(4);
    expect(budget.take()).toBeUndefined();
  });

  it('with no retries, is spent from the start', () => {
    expect(new RetryBudget(0).take()).toBeUndefined();
  });

  it('is whole again once the source has streamed for a good stretch, not before', () => {
    const budget = new RetryBudget(2, { firstDelayMs: 100, healthyAfterMs: 30_000 });
    budget.take();
    budget.take();
    budget.streaming(1_000, 31_000); // exactly the stretch: not yet
    expect(budget.take()).toBeUndefined();
    budget.streaming(1_000, 31_001);
    expect(budget.failures).toBe(0);
    expect(budget.take()).toBe(100);
  });

  it('refuses a retry count that is not a whole number of 0 or more', () => {
    expect(() => new RetryBudget(-1)).toThrow(
      'Expected `retry` to be a whole number of 0 or more, got `-1`',
    );
    expect(() => new RetryBudget(1.5)).toThrow(RangeError);
  });
});
