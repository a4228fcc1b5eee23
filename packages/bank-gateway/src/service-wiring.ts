import { z } from 'zod';
import type { Metric, Registry } from 'prom-client';
import type { Resource } from '@marketqr/service-kit';
import type { BankGateway } from './gateway';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The BANK_* settings every service that calls the bank reads, validated at start. A service says how long its calls
 * may take (a name inquiry answers in seconds, a NAPAS payout may take fifteen).
 */
export function bankGatewayConfigShape(opts: { timeoutMs: { max: number; default: number } }) {
  return {
    /** The partner bank's API (the bank simulator in development). */
    BANK_BASE_URL: z.url().default('http://127.0.0.1:4199'),
    /** Required in production; in development and tests the simulator accepts any key. */
    BANK_API_KEY: z.string().min(1).optional(),
    /** Deadline of one attempt. */
    BANK_TIMEOUT_MS: ms(50, opts.timeoutMs.max, opts.timeoutMs.default),
    /** Breaker: how long it stays open before a trial call. */
    BANK_BREAKER_RESET_MS: ms(100, 600_000, 30_000),
  };
}

/** For a service whose gateway retries on its own inside one call (same idempotency key every time). */
export const bankRetryConfigShape = {
  BANK_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  BANK_RETRY_BASE_MS: ms(0, 60_000, 200),
};

/**
 * The gateway as one of a service's resources: nothing to start, shut down after the workers that call it (payouts
 * in flight keep their connection), and its breaker and call metrics on the service's /metrics (`bindMetrics` in
 * `mount`: the gateway counts in a registry of its own, created before the service's).
 */
export function bankGatewayResource(gateway: BankGateway): Resource & { bindMetrics(registry: Registry): void } {
  return {
    name: 'bank-gateway',
    start: async () => undefined,
    stop: async () => gateway.shutdown(),
    check: async () => undefined,
    bindMetrics(registry) {
      for (const metric of gateway.registry.getMetricsAsArray()) registry.registerMetric(metric as unknown as Metric);
    },
  };
}
