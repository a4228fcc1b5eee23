/**
 * Every Kafka topic in MarketQR, in one place. Names are dotted and versioned: a breaking change to a topic's messages
 * is a new topic published beside the old one until every consumer has moved.
 *
 * Every topic is keyed by the merchant (stall) id, so one stall's events stay in order on one partition.
 */
export interface TopicSpec {
  name: string;
  producer: string;
  consumers: readonly string[];
  /** Partitions bound how many replicas of a consumer group can share the work. */
  partitions: number;
}

export const TOPICS = {
  /** merchant.registered, merchant.verified, merchant.activated, merchant.suspended, merchant.updated, merchant.login-attack */
  merchantEvents: {
    name: 'marketqr.merchant.events.v1',
    producer: 'merchant-onboarding',
    consumers: ['qr-generation', 'payment-ledger', 'settlement', 'market-insights'],
    partitions: 6,
  },
  /** qr.issued, qr.revoked, qr.expired, qr.check-flagged, qr.reported */
  qrEvents: {
    name: 'marketqr.qr.events.v1',
    producer: 'qr-generation',
    consumers: ['payment-ledger', 'market-insights'],
    partitions: 6,
  },
  /** payment.confirmed, payment.flagged, payment.reversed, payment.reallocated */
  paymentEvents: {
    name: 'marketqr.payment.events.v1',
    producer: 'payment-ledger',
    consumers: ['settlement', 'market-insights'],
    partitions: 6,
  },
  /** ledger.entry-posted */
  ledgerEvents: {
    name: 'marketqr.ledger.events.v1',
    producer: 'payment-ledger',
    consumers: ['market-insights'],
    partitions: 6,
  },
  /** settlement.batch-created, settlement.paid, settlement.failed */
  settlementEvents: {
    name: 'marketqr.settlement.events.v1',
    producer: 'settlement',
    consumers: ['payment-ledger', 'market-insights'],
    partitions: 6,
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;

/** The dead-letter topic of one consuming service: messages it could not handle, with the reason in the headers. */
export const deadLetterTopic = (service: string): TopicSpec => ({
  name: `marketqr.${service}.dlq.v1`,
  producer: service,
  consumers: [],
  partitions: 1,
});

/** Topics a service creates at start: what it produces, plus its dead-letter topic when it consumes anything. */
export function topicsOwnedBy(service: string): TopicSpec[] {
  const all: TopicSpec[] = Object.values(TOPICS);
  const produced = all.filter((t) => t.producer === service);
  const consumes = all.some((t) => t.consumers.includes(service));
  return consumes ? [...produced, deadLetterTopic(service)] : produced;
}

/** Topics a service reads from. */
export function topicsConsumedBy(service: string): TopicSpec[] {
  return Object.values(TOPICS).filter((t: TopicSpec) => t.consumers.includes(service));
}
