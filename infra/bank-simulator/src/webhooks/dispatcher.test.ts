import { DEFAULT_RETRY_POLICY, retryDelayMs } from './dispatcher';

describe('retry backoff', () => {
  test('follows the schedule, repeats the last wait, and jitters within ±jitter/2', () => {
    const mid = (n: number) => retryDelayMs(DEFAULT_RETRY_POLICY, n, 0.5);
    expect([1, 2, 3, 4, 5, 8, 9, 11].map(mid)).toEqual([200, 500, 1_000, 2_000, 5_000, 30_000, 30_000, 30_000]);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 0)).toBe(150);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 0.999999)).toBe(250);
    expect(retryDelayMs({ ...DEFAULT_RETRY_POLICY, jitter: 0 }, 3, 0.9)).toBe(1_000);
    // 12 attempts: 11 waits, about 2.6 minutes in all.
    let total = 0;
    for (let n = 1; n < DEFAULT_RETRY_POLICY.maxAttempts; n++) total += mid(n);
    expect(total).toBe(158_700);
  });
});
