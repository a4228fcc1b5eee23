import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/** Breaker state as a number, so a dashboard can graph it and alert on `== 2`. */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

export const METRIC_NAMES = {
  state: 'bank_gateway_breaker_state',
  transitions: 'bank_gateway_breaker_transitions_total',
  events: 'bank_gateway_breaker_events_total',
  attemptDuration: 'bank_gateway_attempt_duration_seconds',
  retries: 'bank_gateway_retries_total',
  calls: 'bank_gateway_calls_total',
} as const;

/**
 * The gateway's metrics, counted from the breakers' own events (opossum-prometheus targets an older prom-client).
 * Registering twice on one registry (two gateways in one process, tests) reuses the existing metric instead of
 * throwing, so a service can build a gateway per request scope without leaking duplicate-name errors.
 */
export function createGatewayMetrics(registry: Registry = new Registry()) {
  const reuse = <M extends Metric>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M) ?? make();
  const registers = [registry];

  const state = reuse(
    METRIC_NAMES.state,
    () =>
      new Gauge({
        name: METRIC_NAMES.state,
        help: 'Circuit breaker state per bank operation: 0 closed, 1 half-open, 2 open',
        labelNames: ['operation'] as const,
        registers,
      }),
  );
  const transitions = reuse(
    METRIC_NAMES.transitions,
    () =>
      new Counter({
        name: METRIC_NAMES.transitions,
        help: 'Circuit breaker state changes per bank operation, by the state entered',
        labelNames: ['operation', 'to'] as const,
        registers,
      }),
  );
  const events = reuse(
    METRIC_NAMES.events,
    () =>
      new Counter({
        name: METRIC_NAMES.events,
        help:
          'Circuit breaker events per bank operation: success (includes business rejections), failure (includes timeouts), ' +
          'timeout, reject (short-circuited while open), semaphore_locked (over capacity)',
        labelNames: ['operation', 'event'] as const,
        registers,
      }),
  );
  const attemptDuration = reuse(
    METRIC_NAMES.attemptDuration,
    () =>
      new Histogram({
        name: METRIC_NAMES.attemptDuration,
        help: 'Latency of one attempt against the bank, by breaker result',
        labelNames: ['operation', 'result'] as const,
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
        registers,
      }),
  );
  const retries = reuse(
    METRIC_NAMES.retries,
    () =>
      new Counter({
        name: METRIC_NAMES.retries,
        help: 'Retries of a bank call after a transient failure, by the failure that caused them',
        labelNames: ['operation', 'reason'] as const,
        registers,
      }),
  );
  const calls = reuse(
    METRIC_NAMES.calls,
    () =>
      new Counter({
        name: METRIC_NAMES.calls,
        help: 'Bank calls as the caller saw them (after retries), by result: ok or the error code',
        labelNames: ['operation', 'result'] as const,
        registers,
      }),
  );
  return { registry, state, transitions, events, attemptDuration, retries, calls };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
