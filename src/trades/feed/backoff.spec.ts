import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 500, maxMs: 30_000 };

  it('doubles from the initial delay up to the cap, half of it jittered', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(10, policy, () => 0.5)).toBe(22_500);
    expect(backoffDelay(1000, policy, () => 1)).toBe(30_000);
  });

  it('spreads a fleet of clients over the window', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(50);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(8000);
    }
  });

  it('treats a negative or fractional attempt as the first', () => {
    expect(backoffDelay(-3, policy, () => 0)).toBe(250);
    expect(backoffDelay(0.7, policy, () => 0)).toBe(250);
  });
});
