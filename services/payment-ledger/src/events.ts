/**
 * Everything payment-ledger produces and consumes on Kafka, in one place: the outbox and relay, the consumer, and
 * the builders of the events it raises (so the shapes are checked by the contracts' schemas at creation).
 */
import type { Connection } from 'mongoose';
import {
  createEvent,
  ledgerEntryPostedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReallocatedV1,
  paymentReversedV1,
  TOPICS,
  type Envelope,
  type PaymentConfirmedV1,
  type PaymentFlaggedV1,
  type PaymentReallocatedV1,
  type PaymentReversedV1,
} from '@marketqr/contracts';
import {
  createEventConsumer,
  createOutboxWithRelay,
  type EventConsumer,
  type EventHandlers,
  type Outbox,
  type OutboxRelay,
} from '@marketqr/messaging';
import type { Logger } from '@marketqr/service-kit';
import type { ServiceContext } from '@marketqr/service-runtime';
import type { JournalEntry, Posting } from './store/models';

type Kafka = ServiceContext<object>['kafka'];

export const SERVICE = 'payment-ledger';

/** Where an event comes from: the webhook's payment id, an HTTP request id, or a consumed event. */
export interface Cause {
  correlationId: string;
  causationId: string;
}

export function createEventOutbox(opts: { kafka: Kafka; db: Connection; logger: Logger; topicPrefix: string }): {
  outbox: Outbox;
  relay: OutboxRelay;
} {
  return createOutboxWithRelay({ ...opts, name: `${SERVICE}-outbox` });
}

/**
 * One consumer group for merchant, QR and settlement events. All three are keyed by the stall, so one stall's
 * events are handled in order by one replica: that is what makes the projections and payout postings single-writer.
 */
export function createLedgerConsumer(opts: {
  kafka: Kafka;
  db: Connection;
  logger: Logger;
  topicPrefix: string;
  handlers: EventHandlers;
}): EventConsumer {
  return createEventConsumer({
    kafka: opts.kafka,
    service: SERVICE,
    topics: [TOPICS.merchantEvents, TOPICS.qrEvents, TOPICS.settlementEvents],
    topicPrefix: opts.topicPrefix,
    db: opts.db,
    handlers: opts.handlers,
    logger: opts.logger,
    onUnknownType: 'skip',
    retry: { retries: 8, initialDelayMs: 200, maxDelayMs: 5_000 },
  });
}

const base = (aggregateId: string, cause: Cause) => ({
  aggregateId,
  producer: SERVICE,
  correlationId: cause.correlationId,
  causationId: cause.causationId,
});

export const events = {
  confirmed: (data: Omit<PaymentConfirmedV1, 'currency'>, cause: Cause): Envelope =>
    createEvent(paymentConfirmedV1, { ...base(data.merchantId, cause), data: { ...data, currency: 'VND' } }),
  flagged: (data: Omit<PaymentFlaggedV1, 'currency'>, cause: Cause): Envelope =>
    createEvent(paymentFlaggedV1, {
      // No stall for an unmatched payment: its market keys it (see the contract).
      ...base(data.merchantId ?? data.marketId, cause),
      data: { ...data, currency: 'VND' },
    }),
  reversed: (data: Omit<PaymentReversedV1, 'currency'>, cause: Cause): Envelope =>
    createEvent(paymentReversedV1, { ...base(data.merchantId, cause), data: { ...data, currency: 'VND' } }),
  reallocated: (data: Omit<PaymentReallocatedV1, 'currency'>, cause: Cause): Envelope =>
    createEvent(paymentReallocatedV1, { ...base(data.toMerchantId, cause), data: { ...data, currency: 'VND' } }),
  /**
   * ledger.entry-posted for an entry about a stall, raised with one of its postings. Debit-positive postings become
   * debit/credit lines; the stall's balance is what the vendor is owed (the payable is credit-negative).
   */
  entryPosted: (entry: JournalEntry, posting: Posting, stallBalanceAfter: number): Envelope => {
    if (!entry.merchantId || !entry.marketId) throw new Error(`entry ${entry._id} is not about a stall`);
    const cause = causeOfEntry(entry);
    return createEvent(ledgerEntryPostedV1, {
      ...base(entry.merchantId, cause),
      data: {
        entryId: entry._id,
        merchantId: entry.merchantId,
        marketId: entry.marketId,
        businessDay: entry.businessDay,
        kind: entry.kind,
        reference: entry.reference,
        lines: entry.postings.map((p) => ({
          account: p.account,
          debit: p.amount > 0 ? p.amount : 0,
          credit: p.amount < 0 ? -p.amount : 0,
        })),
        merchantBalanceAfter: -stallBalanceAfter,
        postedAt: posting.postedAt.toISOString(),
      },
    });
  },
};

/**
 * The business events an entry raises, derived from the stored entry alone (its meta records everything they say),
 * so whichever writer appends the entry's carrying posting — the first one, or whoever completes it after a crash —
 * raises the same events, once.
 */
export function businessEventsFor(entry: JournalEntry): Envelope[] {
  const cause = causeOfEntry(entry);
  if (entry.kind === 'payment' && entry.paymentId && entry.marketId) {
    const m = entry.meta;
    const common = {
      paymentId: entry.paymentId,
      amount: m.amount ?? 0,
      bankTransactionId: m.bankTransactionId,
      qrId: m.qrId ?? null,
      orderCode: m.orderCode ?? null,
      expectedAmount: m.expectedAmount ?? null,
      payerName: m.payerName ?? null,
      // Entries posted before these facts existed have neither: the fields are optional on the events.
      ...(typeof m.payerBankBin === 'string' ? { payerBankBin: m.payerBankBin } : {}),
      ...(typeof m.payerAccountHash === 'string' ? { payerAccountHash: m.payerAccountHash } : {}),
      description: (m.description ?? '').slice(0, 500),
      paidAt: m.paidAt,
      businessDay: entry.businessDay,
    };
    const outcome = m.outcome;
    if (entry.merchantId && outcome === 'paid') {
      return [
        events.confirmed(
          { ...common, merchantId: entry.merchantId, marketId: entry.marketId, stallCode: String(m.stallCode) },
          cause,
        ),
      ];
    }
    if (
      entry.merchantId &&
      (outcome === 'underpaid' ||
        outcome === 'overpaid' ||
        outcome === 'late' ||
        outcome === 'order_code_of_other_stall')
    ) {
      return [
        events.flagged(
          { ...common, reason: outcome, creditedTo: 'stall', merchantId: entry.merchantId, marketId: entry.marketId },
          cause,
        ),
      ];
    }
    if (outcome === 'unmatched' || outcome === 'held_for_review') {
      return [
        events.flagged(
          { ...common, reason: outcome, creditedTo: 'suspense', merchantId: null, marketId: entry.marketId },
          cause,
        ),
      ];
    }
    // unknown_account: payment events need a market, and no market's books are touched.
    return [];
  }
  if (entry.kind === 'reversal' && entry.paymentId && entry.merchantId && entry.marketId) {
    const m = entry.meta;
    return [
      events.reversed(
        {
          paymentId: entry.paymentId,
          reversalId: entry._id,
          merchantId: entry.merchantId,
          marketId: entry.marketId,
          amount: m.amount ?? 0,
          bankTransactionId: m.bankTransactionId,
          reasonCode: m.reasonCode,
          reason: m.reason ?? '',
          businessDay: entry.businessDay,
          originalBusinessDay: m.originalBusinessDay,
        },
        cause,
      ),
    ];
  }
  if (entry.kind === 'reallocation' && entry.paymentId && entry.merchantId && entry.marketId) {
    const m = entry.meta;
    return [
      events.reallocated(
        {
          paymentId: entry.paymentId,
          reallocationId: entry._id,
          fromMerchantId: m.fromMerchantId ?? null,
          toMerchantId: entry.merchantId,
          marketId: entry.marketId,
          amount: m.amount ?? 0,
          bankTransactionId: m.bankTransactionId,
          reallocatedBy: m.by,
          reason: m.reason ?? '',
          businessDay: entry.businessDay,
        },
        cause,
      ),
    ];
  }
  // A reversal of a payment held in suspense changes no stall's money: no payment.reversed. Payouts: ledger only.
  return [];
}

export function causeOfEntry(entry: JournalEntry): Cause {
  const m = entry.meta;
  return { correlationId: m.correlationId ?? entry._id, causationId: m.causationId ?? m.correlationId ?? entry._id };
}
