import { Counter, Gauge, Histogram, Registry } from 'prom-client';

function create(registry: Registry) {
  const registers = [registry];
  return {
    outboxPublished: new Counter({
      name: 'outbox_events_published_total',
      help: 'Events the outbox relay published to Kafka (re-publications after a crash included)',
      labelNames: ['topic'] as const,
      registers,
    }),
    outboxPublishFailures: new Counter({
      name: 'outbox_relay_failures_total',
      help: 'Relay cycles that failed (Kafka or the database unavailable); the events stay pending',
      registers,
    }),
    outboxDropped: new Counter({
      name: 'outbox_events_dropped_total',
      help: 'Staged events dropped because the write that raised them was never stored (a writer crashed or lost a race)',
      registers,
    }),
    outboxLag: new Histogram({
      name: 'outbox_relay_lag_seconds',
      help: 'Time from an event being stored in its aggregate to Kafka acknowledging it',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    outboxOldestPending: new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest unpublished event at the last relay cycle of the leader (0 when none)',
      labelNames: ['collection'] as const,
      registers,
    }),
    consumerMessages: new Counter({
      name: 'consumer_messages_total',
      help: 'Messages a consumer finished with, by outcome: handled, duplicate, ignored, dead_lettered, invalid',
      labelNames: ['consumer', 'topic', 'outcome'] as const,
      registers,
    }),
    consumerRetries: new Counter({
      name: 'consumer_retries_total',
      help: 'Handler attempts that failed with an operational error and were retried',
      labelNames: ['consumer', 'type'] as const,
      registers,
    }),
    consumerHandleSeconds: new Histogram({
      name: 'consumer_handle_seconds',
      help: 'Time a handler took for one event, successful attempts only',
      labelNames: ['consumer', 'type'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
  };
}

export type MessagingMetrics = ReturnType<typeof create>;

const byRegistry = new WeakMap<Registry, MessagingMetrics>();

/**
 * The messaging metrics in one registry. Memoized because prom-client refuses a second metric of the same name in a
 * registry, and a service may run several consumers next to its relay.
 */
export function messagingMetrics(registry: Registry): MessagingMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = create(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

/** Lets a resource be built before the service's registry exists (runService creates it later) and bound at mount. */
export class MetricsHolder {
  private registry: Registry;
  constructor(registry?: Registry) {
    this.registry = registry ?? new Registry();
  }
  bind(registry: Registry): void {
    this.registry = registry;
  }
  get metrics(): MessagingMetrics {
    return messagingMetrics(this.registry);
  }
}

/** Every topic name and group id gets the deployment's prefix, so test runs and tenants can share one broker. */
export const withPrefix = (prefix: string | undefined, name: string): string => `${prefix ?? ''}${name}`;
