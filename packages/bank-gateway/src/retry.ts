import type { RetryOptions } from './options';
import { backoffMs } from '@marketqr/service-kit';

/**
 * "Full jitter" backoff: a uniformly random wait in [0, min(cap, base * 2^(attempt-1))). Spreading retries over the
 * whole window keeps many replicas that failed together from hammering a recovering bank in lock-step.
 * `attempt` is the attempt that just failed, starting at 1.
 */
export function fullJitterDelay(attempt: number, retry: RetryOptions, random: () => number): number {
  return backoffMs(attempt, { baseMs: retry.baseDelayMs, capMs: retry.maxDelayMs, jitter: 'full' }, random);
}

/**
 * A bank that says "come back in N seconds" (Retry-After on 429/503) knows better than our jitter, within our cap:
 * we never wait longer than `maxDelayMs`, because the caller is waiting too.
 */
export function retryDelay(attempt: number, retry: RetryOptions, random: () => number, retryAfterMs?: number): number {
  const jitter = fullJitterDelay(attempt, retry, random);
  if (retryAfterMs === undefined) return jitter;
  return Math.min(retry.maxDelayMs, Math.max(jitter, retryAfterMs));
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
