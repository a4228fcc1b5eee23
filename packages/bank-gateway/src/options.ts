import type { Logger } from '@marketqr/service-kit';
import type { Registry } from 'prom-client';
import { BANK_OPERATIONS, type BankOperation } from './operations';

export interface RetryOptions {
  /** Total tries including the first. 1 disables retries. */
  maxAttempts: number;
  /** The cap of the first backoff window; each later window doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface BreakerOptions {
  /** Share of failed calls in the rolling window above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls needed in the rolling window before the error rate is judged at all. */
  volumeThreshold: number;
  /** How long the breaker stays open before letting one trial call through (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling window the error rate is computed over. */
  rollingCountTimeoutMs: number;
  rollingCountBuckets: number;
  /** Calls allowed in flight at once; more fail fast with BANK.UNAVAILABLE (reason `overloaded`). */
  capacity?: number;
}

export interface OperationOptions {
  /** Deadline of one attempt, enforced by the breaker, which then aborts the fetch. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
}

export interface BankGatewayOptions {
  /** The bank's API root, e.g. `https://api.partner-bank.vn` or the simulator's `http://127.0.0.1:4199`. */
  baseUrl: string;
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** Defaults for every operation; `operations` overrides per operation. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  operations?: Partial<Record<BankOperation, OperationOptions>>;
  /** Breaker and call metrics are registered here (normally the service's `metrics.registry`). */
  registry?: Registry;
  logger?: Logger;
  /** Source of jitter in [0, 1); tests pass a fixed function. */
  random?: () => number;
}

export interface ResolvedOperationOptions {
  timeoutMs: number;
  retry: RetryOptions;
  breaker: BreakerOptions;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_RETRY: RetryOptions = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };
const DEFAULT_BREAKER: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 30_000,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
};
// A payout passes through NAPAS to another bank, so it legitimately takes longer than a lookup.
const OPERATION_DEFAULTS: Partial<Record<BankOperation, OperationOptions>> = {
  payout: { timeoutMs: 15_000 },
  statement: { timeoutMs: 15_000 },
};

export function resolveOperationOptions(opts: BankGatewayOptions, op: BankOperation): ResolvedOperationOptions {
  const own = opts.operations?.[op] ?? {};
  const builtIn = OPERATION_DEFAULTS[op] ?? {};
  const resolved: ResolvedOperationOptions = {
    timeoutMs: own.timeoutMs ?? opts.timeoutMs ?? builtIn.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...builtIn.retry, ...opts.retry, ...own.retry },
    breaker: { ...DEFAULT_BREAKER, ...builtIn.breaker, ...opts.breaker, ...own.breaker },
  };
  validateResolved(op, resolved);
  return resolved;
}

function validateResolved(op: BankOperation, r: ResolvedOperationOptions): void {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number | undefined, min = 1) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) problems.push(`${name} must be an integer >= ${min}`);
  };
  positiveInt('timeoutMs', r.timeoutMs);
  positiveInt('retry.maxAttempts', r.retry.maxAttempts);
  positiveInt('retry.baseDelayMs', r.retry.baseDelayMs, 0);
  positiveInt('retry.maxDelayMs', r.retry.maxDelayMs, 0);
  positiveInt('breaker.volumeThreshold', r.breaker.volumeThreshold, 0);
  positiveInt('breaker.resetTimeoutMs', r.breaker.resetTimeoutMs);
  positiveInt('breaker.rollingCountTimeoutMs', r.breaker.rollingCountTimeoutMs);
  positiveInt('breaker.rollingCountBuckets', r.breaker.rollingCountBuckets);
  positiveInt('breaker.capacity', r.breaker.capacity);
  const pct = r.breaker.errorThresholdPercentage;
  if (!(pct >= 0 && pct <= 100)) problems.push('breaker.errorThresholdPercentage must be within 0..100');
  if (problems.length) throw new TypeError(`bank-gateway options for ${op}: ${problems.join('; ')}`);
}

export function validateGatewayOptions(opts: BankGatewayOptions): void {
  let url: URL;
  try {
    url = new URL(opts.baseUrl);
  } catch {
    throw new TypeError(`bank-gateway: baseUrl is not a URL: ${String(opts.baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('bank-gateway: baseUrl must be http(s)');
  if (!opts.apiKey) throw new TypeError('bank-gateway: apiKey is required');
  for (const op of Object.keys(opts.operations ?? {})) {
    if (!(BANK_OPERATIONS as readonly string[]).includes(op))
      throw new TypeError(`bank-gateway: unknown operation ${op}`);
  }
}
