/**
 * Every use of @marketqr/messaging and of the event contracts this service produces, in one file: the messaging
 * package was still moving when this service was written, so a change there is a change here only.
 */
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  causedBy,
  createEvent,
  nameBasedEventId,
  qrCheckFlaggedV1,
  qrReportedV1,
  qrExpiredV1,
  qrIssuedV1,
  qrRevokedV1,
  TOPICS,
  type Envelope,
  type RawEnvelope,
} from '@marketqr/contracts';
import {
  createEventConsumer,
  createOutboxWithRelay,
  type EventConsumer,
  type EventHandlers,
  type Outbox,
  type OutboxRelay,
} from '@marketqr/messaging';
import type { ServiceContext } from '@marketqr/service-runtime';
import type { QrRecord } from './domain/model';

export const SERVICE = 'qr-generation';

export type { EventHandlers, HandlerContext } from '@marketqr/messaging';
export { NonRetryableError, RetryableError } from '@marketqr/messaging';

/** What raised an event: an HTTP request (its correlation id) or a consumed event. */
export type Cause = { correlationId: string; causationId: string };
export const causeOfEvent = (e: Pick<RawEnvelope, 'eventId' | 'correlationId'>): Cause => causedBy(e);
export const causeOfRequest = (requestId: string): Cause => ({ correlationId: requestId, causationId: requestId });

export interface MessagingOptions {
  kafka: ServiceContext<object>['kafka'];
  db: Connection;
  logger: Logger;
  topicPrefix: string;
}

/** The outbox this service writes its events with, and the relay that publishes them. */
export function createEventOutbox(opts: MessagingOptions): { outbox: Outbox; relay: OutboxRelay } {
  // Dynamic QRs are issued in group commits that follow each other within milliseconds under load: a commit marker
  // rides on the next one, and the relay lets a few gather before it reads, sends and deletes. At 500 QRs/s that took
  // database commands per QR from 1.02 to 0.66 (pnpm bench); qr.issued reaches Kafka at most ~15 ms later.
  return createOutboxWithRelay({ ...opts, name: `${SERVICE}-outbox`, markerLingerMs: 5, lingerMs: 10 });
}

/** The consumer of merchant events (group `marketqr.qr-generation.merchants`), with its dead-letter topic. */
export function createMerchantEventsConsumer(opts: MessagingOptions & { handlers: EventHandlers }): EventConsumer {
  return createEventConsumer({
    kafka: opts.kafka,
    service: SERVICE,
    name: 'merchants',
    topics: [TOPICS.merchantEvents],
    topicPrefix: opts.topicPrefix,
    db: opts.db,
    handlers: opts.handlers,
    logger: opts.logger,
    // Events of a newer contracts build that this one does not know are not ours to act on.
    onUnknownType: 'skip',
    // Long enough (≈ 20 s in all) to outlast the relay's verification of a record left staged by a crashed write
    // (QR.RETRY_LATER), before a message is dead-lettered.
    retry: { retries: 8, initialDelayMs: 200, maxDelayMs: 5_000 },
  });
}

/** Sends the relay's and the consumer's metrics to the service's registry (it exists only from `mount` on). */
export function bindMessagingMetrics(registry: Registry, parts: { relay: OutboxRelay; consumer: EventConsumer }): void {
  parts.relay.bindMetrics(registry);
  parts.consumer.bindMetrics(registry);
}

/**
 * Event ids derived from (QR, event type), as RFC 9562 version-5 UUIDs: a QR is issued, revoked or expired once, so
 * a second writer racing on another replica (or a retry) stages the same id, which the outbox's unique `_id` refuses,
 * and consumers that dedupe by eventId drop any copy that still gets through.
 */
const NAMESPACE = Buffer.from('6f1d1c4e8e5b4f0e9a3b2d7c5e4f3a21', 'hex');
export const stableEventId = (qrId: string, type: string): string => nameBasedEventId(NAMESPACE, `${qrId}|${type}`);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * qr.issued: what payment-ledger needs to match a payment to this QR (order code, amount and expiry for dynamic QRs;
 * stall code and virtual account for both), and the payload's hash for the genuine check.
 */
export function qrIssuedEvent(qr: QrRecord, cause: Cause): Envelope {
  return createEvent(qrIssuedV1, {
    eventId: stableEventId(qr._id, qrIssuedV1.type),
    aggregateId: qr.merchantId,
    producer: SERVICE,
    occurredAt: qr.issuedAt,
    ...cause,
    data: {
      qrId: qr._id,
      merchantId: qr.merchantId,
      marketId: qr.marketId,
      kind: qr.kind,
      stallCode: qr.stallCode,
      bin: qr.bin,
      accountNumber: qr.accountNumber,
      orderCode: qr.orderCode,
      amount: qr.amount,
      payload: qr.payload,
      expiresAt: iso(qr.expiresAt),
      posterSerial: qr.posterSerial,
      payloadHash: qr.payloadHash,
    },
  });
}

export function qrRevokedEvent(
  qr: QrRecord,
  revocation: { reasonCode: string; reason: string; at: Date },
  cause: Cause,
): Envelope {
  return createEvent(qrRevokedV1, {
    eventId: stableEventId(qr._id, qrRevokedV1.type),
    aggregateId: qr.merchantId,
    producer: SERVICE,
    occurredAt: revocation.at,
    ...cause,
    data: {
      qrId: qr._id,
      merchantId: qr.merchantId,
      marketId: qr.marketId,
      kind: qr.kind,
      orderCode: qr.orderCode,
      reasonCode: revocation.reasonCode,
      reason: revocation.reason.slice(0, 500),
      stallCode: qr.stallCode,
      bin: qr.bin,
      accountNumber: qr.accountNumber,
      amount: qr.amount,
      expiresAt: iso(qr.expiresAt),
      payloadHash: qr.payloadHash,
    },
  });
}

export function qrExpiredEvent(qr: QrRecord & { amount: number; orderCode: string; expiresAt: Date }): Envelope {
  const eventId = stableEventId(qr._id, qrExpiredV1.type);
  return createEvent(qrExpiredV1, {
    eventId,
    aggregateId: qr.merchantId,
    producer: SERVICE,
    occurredAt: qr.expiresAt,
    // Expiry is caused by the clock: the flow it belongs to is the QR's own.
    correlationId: stableEventId(qr._id, qrIssuedV1.type),
    causationId: stableEventId(qr._id, qrIssuedV1.type),
    data: {
      qrId: qr._id,
      merchantId: qr.merchantId,
      marketId: qr.marketId,
      orderCode: qr.orderCode,
      amount: qr.amount,
      expiresAt: qr.expiresAt.toISOString(),
      kind: 'dynamic',
      stallCode: qr.stallCode,
      bin: qr.bin,
      accountNumber: qr.accountNumber,
      payloadHash: qr.payloadHash,
    },
  });
}

/** What the flagged-check events say about a stored check (a GenuineCheckRecord). */
interface FlaggedCheck {
  _id: string;
  at: Date;
  verdict: string;
  input: 'payload' | 'image';
  merchantId: string | null;
  marketId: string | null;
  reportedMarketId: string | null;
  stallCode: string | null;
  qrId: string | null;
  bin: string | null;
  accountNumber: string | null;
  payloadHash: string | null;
}

/**
 * qr.check-flagged: a genuine check that did not answer "genuine" (market-insights turns these into "unknown poster"
 * alerts). Keyed by the stall the payload points at, else the market it was checked from.
 */
export function qrCheckFlaggedEvent(check: FlaggedCheck): Envelope {
  return createEvent(qrCheckFlaggedV1, {
    aggregateId: checkKey(check),
    producer: SERVICE,
    occurredAt: check.at,
    data: { ...checkFacts(check), qrId: check.qrId, input: check.input },
  });
}

/**
 * qr.reported: the shopper a flagged check warned reported the code to the market's management. One per check (the
 * event id is derived from the check id, so a second report that races the first is refused by the outbox).
 */
export function qrReportedEvent(check: FlaggedCheck, reportedAt: Date): Envelope {
  return createEvent(qrReportedV1, {
    eventId: stableEventId(check._id, qrReportedV1.type),
    aggregateId: checkKey(check),
    producer: SERVICE,
    occurredAt: reportedAt,
    data: {
      ...checkFacts(check),
      // A foreign account with one of our stalls named: the stall is the one the sticker imitates.
      imitates: check.verdict === 'UNKNOWN_ACCOUNT' && check.merchantId !== null,
      reportedAt: reportedAt.toISOString(),
    },
  });
}

/** Both flagged-check events are keyed by the stall the payload points at, else the market it was checked from. */
const checkKey = (check: FlaggedCheck): string =>
  check.merchantId ?? check.marketId ?? check.reportedMarketId ?? 'unknown';

/** What both flagged-check events say of the check. */
function checkFacts(check: FlaggedCheck) {
  return {
    checkId: check._id,
    verdict: check.verdict,
    merchantId: check.merchantId,
    marketId: check.marketId,
    reportedMarketId: check.reportedMarketId,
    stallCode: check.stallCode,
    ...wellFormedAccount(check),
    payloadHash: check.payloadHash,
    checkedAt: check.at.toISOString(),
  };
}

/** Only well-formed values travel: a tampered payload may carry anything in these fields. */
function wellFormedAccount(check: { bin: string | null; accountNumber: string | null }) {
  return {
    bin: check.bin && /^\d{6}$/.test(check.bin) ? check.bin : null,
    accountNumber: check.accountNumber && /^[0-9A-Za-z]{1,19}$/.test(check.accountNumber) ? check.accountNumber : null,
  };
}
