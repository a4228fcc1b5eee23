import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap, even after a very long outage', () => {
    const b = { baseMs: 250, capMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, b))).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 10_000]);
    expect(backoffMs(10_000, b)).toBe(10_000);
    expect(backoffMs(0, b)).toBe(250);
  });

  it('spreads ±20 % or over the whole window when asked', () => {
    const b = { baseMs: 1_000, capMs: 60_000 };
    expect(backoffMs(3, { ...b, jitter: 'spread' }, () => 0)).toBe(3_200);
    expect(backoffMs(3, { ...b, jitter: 'spread' }, () => 0.999_999)).toBe(4_800);
    expect(backoffMs(3, { ...b, jitter: 'full' }, () => 0)).toBe(0);
    expect(backoffMs(3, { ...b, jitter: 'full' }, () => 0.5)).toBe(2_000);
  });
});
