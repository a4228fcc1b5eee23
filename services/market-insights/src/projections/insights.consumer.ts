import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { TOPICS, topicsConsumedBy } from '@marketqr/contracts';
import { createEventConsumer, type BatchHandlers, type EventConsumer, type EventHandlers } from '@marketqr/messaging';
import type { Logger } from '@marketqr/service-kit';
import type { AlertService } from '../alerts/alerts.service';
import type { Store } from '../store/models';
import { LedgerProjection } from './ledger.projection';
import { raiseLoginAttack } from '../alerts/login-attack.alert';
import { MerchantProjection } from './merchant.projection';
import { PaymentProjection } from './payment.projection';
import { QrProjection } from './qr.projection';
import { SettlementProjection } from './settlement.projection';

export const SERVICE = 'market-insights';

export interface Projections {
  merchants: MerchantProjection;
  qrs: QrProjection;
  payments: PaymentProjection;
  settlement: SettlementProjection;
  ledger: LedgerProjection;
  /** Events that only raise alerts (merchant.login-attack) go straight to the alert service. */
  alerts: AlertService;
}

export function createProjections(deps: {
  store: Store;
  alerts: AlertService;
  payerSalt: string;
  settlementAlertFromAttempt: number;
}): Projections {
  return {
    merchants: new MerchantProjection(deps.store),
    qrs: new QrProjection(deps.store, deps.alerts),
    payments: new PaymentProjection({ store: deps.store, alerts: deps.alerts, payerSalt: deps.payerSalt }),
    settlement: new SettlementProjection({
      store: deps.store,
      alerts: deps.alerts,
      alertFromAttempt: deps.settlementAlertFromAttempt,
    }),
    ledger: new LedgerProjection(deps.store),
    alerts: deps.alerts,
  };
}

/** Every event type this service reads, mapped to its projection. qr.expired carries nothing the statistics use. */
export function handlersFor(p: Projections): EventHandlers {
  return {
    'merchant.registered': (e) => p.merchants.apply(e),
    'merchant.verified': (e) => p.merchants.apply(e),
    'merchant.activated': (e) => p.merchants.apply(e),
    'merchant.suspended': (e) => p.merchants.apply(e),
    'merchant.updated': (e) => p.merchants.apply(e),
    'merchant.login-attack': (e) => raiseLoginAttack(p.alerts, e),
    'qr.issued': (e) => p.qrs.issued(e),
    'qr.revoked': (e) => p.qrs.revoked(e),
    'qr.check-flagged': (e) => p.qrs.checkFlagged(e),
    'qr.reported': (e) => p.qrs.reported(e),
    'payment.confirmed': (e) => p.payments.confirmed(e),
    'payment.flagged': (e) => p.payments.flagged(e),
    'payment.reversed': (e) => p.payments.reversed(e),
    'payment.reallocated': (e) => p.payments.reallocated(e),
    'ledger.entry-posted': (e) => p.ledger.entryPosted(e),
    'settlement.batch-created': (e) => p.settlement.batchCreated(e),
    'settlement.paid': (e) => p.settlement.paid(e),
    'settlement.failed': (e) => p.settlement.failed(e),
  };
}

/**
 * What the busy path applies a run at a time: payments and ledger entries come one per payment, so their projections
 * share round trips across a Kafka batch. Every type here keeps its single-event handler above for retries.
 */
export function batchHandlersFor(p: Projections): BatchHandlers {
  return {
    'payment.confirmed': (es) => p.payments.confirmedMany(es),
    'ledger.entry-posted': (es) => p.ledger.entryPostedMany(es),
  };
}

/**
 * One consumer group (`marketqr.market-insights`) over every topic, from the beginning (a new read model must see the
 * history). Events of a (type, version) this build does not know are dead-lettered rather than skipped: a read model
 * that silently misses facts gives wrong numbers, and dead letters can be replayed after an upgrade.
 */
export function createInsightsConsumer(opts: {
  kafka: Kafka;
  db: Connection;
  logger: Logger;
  topicPrefix: string;
  handlers: EventHandlers;
  batchHandlers?: BatchHandlers;
  concurrency: number;
}): EventConsumer {
  const topics = topicsConsumedBy(SERVICE);
  // The catalogue is the source of truth; this guards against it dropping one of ours without anyone noticing.
  for (const t of Object.values(TOPICS))
    if (!topics.includes(t)) throw new Error(`market-insights must consume ${t.name} (check TOPICS.consumers)`);
  return createEventConsumer({
    kafka: opts.kafka,
    service: SERVICE,
    topics,
    topicPrefix: opts.topicPrefix,
    db: opts.db,
    logger: opts.logger,
    handlers: opts.handlers,
    batchHandlers: opts.batchHandlers,
    partitionsConsumedConcurrently: opts.concurrency,
    // A balance is the ledger's latest figure (an older entry never moves it back); a payment is counted once by its
    // own guard (the stall-day keeps the key of every payment it counted): no processed-event records for these two,
    // the bulk of what this consumer handles.
    idempotentTypes: ['ledger.entry-posted', 'payment.confirmed'],
  });
}
