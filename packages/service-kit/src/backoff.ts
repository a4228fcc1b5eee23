/** How retries of one kind space out: doubling from `baseMs`, never more than `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
  /**
   * Spreads the waits of callers that failed together, so that they do not all come back in the same instant:
   * `none` (default) waits exactly; `spread` ±20 % around the wait; `full` anywhere in [0, wait) ("full jitter",
   * for many replicas hammering one recovering dependency).
   */
  jitter?: 'none' | 'spread' | 'full';
}

/**
 * The wait before retry number `n` (1: after the first failure): `baseMs · 2^(n−1)`, at most `capMs`. The one
 * backoff of the project: consumers, the bank gateway, settlement lines, the ledger's inbox, stall verification,
 * login lockouts and a service's start all call it with their own numbers.
 */
export function backoffMs(n: number, b: Backoff, random: () => number = Math.random): number {
  // The exponent is bounded so that a long outage's attempt count cannot overflow to Infinity before the cap.
  const wait = Math.min(b.capMs, b.baseMs * 2 ** Math.min(Math.max(0, n - 1), 40));
  switch (b.jitter ?? 'none') {
    case 'none':
      return wait;
    case 'spread':
      return Math.round(wait * (0.8 + random() * 0.4));
    case 'full':
      return Math.floor(random() * wait);
  }
}
