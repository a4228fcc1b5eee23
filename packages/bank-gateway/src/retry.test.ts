import { fullJitterDelay, parseRetryAfter, retryDelay } from './retry';

const retry = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

test('full jitter draws from [0, window) and the window doubles up to the cap', () => {
  const top = () => 0.999_999;
  expect([1, 2, 3, 4, 5, 6].map((n) => fullJitterDelay(n, retry, top))).toEqual([99, 199, 399, 799, 999, 999]);
  expect(fullJitterDelay(3, retry, () => 0)).toBe(0);
  expect(fullJitterDelay(3, retry, () => 0.5)).toBe(200);
});

test("the bank's Retry-After wins over a shorter jitter, within our cap", () => {
  expect(retryDelay(1, retry, () => 0, 300)).toBe(300);
  expect(retryDelay(1, retry, () => 0, 60_000)).toBe(1_000);
  expect(retryDelay(3, retry, () => 0.5, 50)).toBe(200);
});

test('Retry-After as seconds or as an HTTP date', () => {
  expect(parseRetryAfter('2')).toBe(2_000);
  expect(parseRetryAfter(null)).toBeUndefined();
  expect(parseRetryAfter('soon')).toBeUndefined();
  const now = Date.parse('2025-03-01T00:00:00Z');
  expect(parseRetryAfter('Sat, 01 Mar 2025 00:00:03 GMT', now)).toBe(3_000);
});
