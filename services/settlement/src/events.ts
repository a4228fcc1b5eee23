/**
 * Every use of @marketqr/messaging and every event this service produces, in one file.
 */
import type { Connection } from 'mongoose';
import {
  createEvent,
  settlementBatchCreatedV1,
  settlementFailedV1,
  settlementPaidV1,
  TOPICS,
  type Envelope,
} from '@marketqr/contracts';
import {
  createEventConsumer,
  createOutboxWithRelay,
  type EventConsumer,
  type EventConsumerOptions,
  type BatchHandlers,
  type EventHandlers,
  type Outbox,
  type OutboxRelay,
} from '@marketqr/messaging';
import type { Logger } from '@marketqr/service-kit';
import { stableEventId } from './domain/ids';
import type { BatchDoc, LineDoc, PayoutAccount } from './store/models';

export const SERVICE = 'settlement';

/** What raised an event: an HTTP request, a consumed event, or a worker's own run. */
export type Cause = { correlationId: string; causationId: string };

export interface MessagingOptions {
  kafka: EventConsumerOptions['kafka'];
  db: Connection;
  logger: Logger;
  topicPrefix: string;
}

export function createEventOutbox(opts: MessagingOptions): { outbox: Outbox; relay: OutboxRelay } {
  return createOutboxWithRelay({ ...opts, name: `${SERVICE}-outbox` });
}

/**
 * One consumer group (`marketqr.settlement`) over payment and merchant events. Both topics are keyed by stall, so the
 * partition a stall hashes to is handled by one member, in order: that is what makes the handler the single writer
 * of the stall's projection.
 */
export function createSettlementConsumer(
  opts: MessagingOptions & { handlers: EventHandlers; batchHandlers?: BatchHandlers; maxWaitTimeMs?: number },
): EventConsumer {
  return createEventConsumer({
    kafka: opts.kafka,
    service: SERVICE,
    topics: [TOPICS.paymentEvents, TOPICS.merchantEvents],
    topicPrefix: opts.topicPrefix,
    db: opts.db,
    handlers: opts.handlers,
    batchHandlers: opts.batchHandlers,
    logger: opts.logger,
    maxWaitTimeMs: opts.maxWaitTimeMs,
    // A dead-lettered payment is money missing from a vendor's line: ride out a database outage of a few minutes
    // (the partition waits, in order) before giving up on a message.
    retry: { retries: 12, initialDelayMs: 200, maxDelayMs: 30_000 },
    // A newer contracts build's event types are not ours to act on.
    onUnknownType: 'skip',
    // Payment events become inserts under the business fact's key (a credit per bank transaction, a contribution per
    // payment, reversal or reallocation): a second handling inserts nothing, so no processed-event records for them.
    idempotentTypes: ['payment.confirmed', 'payment.flagged', 'payment.reversed', 'payment.reallocated'],
  });
}

const account = (a: PayoutAccount) => ({ bin: a.bin, accountNumber: a.accountNumber, holderName: a.holderName });

/**
 * settlement.batch-created lists the lines that will be paid, each with what it settles: gross credits (including
 * anything carried in), fee, charges and the net paid out (net = gross − fee − charges).
 */
export function batchCreatedEvent(batch: BatchDoc, payable: LineDoc[], cause: Cause): Envelope | undefined {
  if (payable.length === 0) return undefined;
  const lines = payable.map((l) => ({
    settlementLineId: l._id,
    merchantId: l.merchantId,
    grossAmount: l.settle.gross,
    feeAmount: l.settle.fee,
    chargesAmount: l.settle.charges,
    netAmount: l.settle.net,
    payoutAccount: account(l.payoutAccount!),
  }));
  return createEvent(settlementBatchCreatedV1, {
    eventId: stableEventId(`${batch._id}:batch-created`),
    aggregateId: batch.marketId,
    producer: SERVICE,
    ...cause,
    data: {
      batchId: batch._id,
      marketId: batch.marketId,
      businessDay: batch.businessDay,
      cutoffAt: batch.cutoffAt.toISOString(),
      lines,
      lineCount: lines.length,
      totalNetAmount: lines.reduce((s, l) => s + l.netAmount, 0),
    },
  });
}

/** One per line: its id is derived from the line, so a second writer cannot publish a second payout to the ledger. */
export function paidEvent(
  line: LineDoc,
  paid: { bankReference: string; paidAt: Date; payoutAccount: PayoutAccount },
  cause: Cause,
): Envelope {
  return createEvent(settlementPaidV1, {
    eventId: stableEventId(`${line._id}:paid`),
    aggregateId: line.merchantId,
    producer: SERVICE,
    ...cause,
    data: {
      settlementLineId: line._id,
      batchId: line.batchId,
      merchantId: line.merchantId,
      marketId: line.marketId,
      businessDay: line.businessDay,
      netAmount: line.settle.net,
      grossAmount: line.settle.gross,
      feeAmount: line.settle.fee,
      chargesAmount: line.settle.charges,
      currency: 'VND',
      payoutAccount: account(paid.payoutAccount),
      bankReference: paid.bankReference,
      paidAt: paid.paidAt.toISOString(),
    },
  });
}

/** One per attempt (its id names the epoch and attempt), so a retried write does not report one failure twice. */
export function failedEvent(
  line: LineDoc,
  f: {
    epoch: number;
    attempt: number;
    reasonCode: string;
    reason: string;
    retryable: boolean;
    nextAttemptAt: Date | null;
  },
  cause: Cause,
): Envelope {
  return createEvent(settlementFailedV1, {
    eventId: stableEventId(`${line._id}:e${f.epoch}:a${f.attempt}:failed:${f.retryable ? 'retry' : 'final'}`),
    aggregateId: line.merchantId,
    producer: SERVICE,
    ...cause,
    data: {
      settlementLineId: line._id,
      batchId: line.batchId,
      merchantId: line.merchantId,
      marketId: line.marketId,
      businessDay: line.businessDay,
      netAmount: line.settle.net,
      currency: 'VND',
      payoutAccount: account(line.payoutAccount!),
      reasonCode: f.reasonCode,
      reason: f.reason.slice(0, 500),
      retryable: f.retryable,
      nextAttemptAt: f.nextAttemptAt ? f.nextAttemptAt.toISOString() : null,
      attempt: Math.max(1, f.attempt),
      // Settlement never gives up silently: a failure it will not retry by itself always waits for a person.
      needsAttention: !f.retryable,
    },
  });
}
