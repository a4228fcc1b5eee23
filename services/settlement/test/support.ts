/**
 * Runs settlement in-process against the real broker and FerretDB/MongoDB and the bank simulator, and gives tests
 * what they need around it: stall and payment fixtures as the producers' events, a producer into the run's prefixed
 * topics, a reader of the settlement topic, tokens as merchant-onboarding issues them, and a small HTTP client.
 */
import { randomInt } from 'node:crypto';
import pino from 'pino';
import {
  createEvent,
  merchantActivatedV1,
  merchantUpdatedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReallocatedV1,
  paymentReversedV1,
  TOPICS,
  type Envelope,
  type MerchantSnapshot,
} from '@marketqr/contracts';
import { createTokenIssuer, loadAuthConfig, type PrincipalClaims } from '@marketqr/auth';
import { createIdempotentProducer, createKafka } from '@marketqr/messaging';
import { runService } from '@marketqr/service-runtime';
import type { RunningService } from '@marketqr/service-kit';
import {
  collectTopic,
  testInfra,
  uniqueName,
  waitFor,
  type CollectedMessage,
  serviceTestEnv,
} from '@marketqr/test-harness';
import { definition } from '../src/service';

export const SECRET = 'settlement-test-secret-0123456789abcdef';

export function token(claims: PrincipalClaims): string {
  const config = loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET });
  return createTokenIssuer(config).issue(claims, { ttlSeconds: 900 }).token;
}
export const adminToken = () => token({ role: 'admin', sub: 'user-admin' });
export const managerToken = (marketId: string) => token({ role: 'market_manager', sub: `mgr-${marketId}`, marketId });
export const vendorToken = (s: Pick<Stall, 'merchantId' | 'marketId'>) =>
  token({ role: 'vendor', sub: `vendor-${s.merchantId}`, merchantId: s.merchantId, marketId: s.marketId });

/** Small timeouts and backoffs: every failure path runs in well under a second. */
export function settlementEnv(opts: {
  dbName: string;
  prefix: string;
  bankUrl: string;
  extra?: Record<string, string>;
}) {
  return {
    ...serviceTestEnv({ dbName: opts.dbName, topicPrefix: opts.prefix }),
    JWT_SECRET: SECRET,
    BANK_BASE_URL: opts.bankUrl,
    BANK_TIMEOUT_MS: '3000',
    BANK_BREAKER_RESET_MS: '400',
    BANK_RETRY_ATTEMPTS: '2',
    BANK_RETRY_BASE_MS: '20',
    SETTLEMENT_SCHEDULER: 'off',
    SETTLEMENT_SCHEDULER_POLL_MS: '200',
    SETTLEMENT_CLOSING_STALE_MS: '2000',
    PAYOUT_POLL_MS: '100',
    PAYOUT_CONCURRENCY: '4',
    PAYOUT_MAX_FAILURES: '3',
    PAYOUT_RETRY_BASE_MS: '100',
    PAYOUT_RETRY_MAX_MS: '400',
    PAYOUT_LEASE_MS: '1500',
    PAYOUT_STOP_GRACE_MS: '100',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...opts.extra,
  };
}

export async function startSettlement(env: NodeJS.ProcessEnv): Promise<RunningService & { base: string }> {
  const svc = await runService(definition, { env });
  await svc.ready;
  return Object.assign(svc, { base: `http://127.0.0.1:${svc.port}` });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Answer {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

export function client(base: () => string) {
  return async function call(
    method: string,
    path: string,
    opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {}
    return { status: res.status, body, text, headers: res.headers };
  };
}

export type Stall = MerchantSnapshot & { payoutAccount: { bin: string; accountNumber: string; holderName: string } };

const accountNo = () => `10${randomInt(1_000_000_000, 9_999_999_999)}`;

export function stall(marketId: string, overrides: Partial<Stall> = {}): Stall {
  const n = randomInt(100, 999);
  return {
    merchantId: uniqueName('stall'),
    marketId,
    marketName: 'Chợ Bến Thành',
    zone: 'Khu A – Rau củ',
    stallCode: `A-${n}`,
    category: 'fresh_produce',
    vendorName: 'Nguyễn Thị Hoa',
    virtualAccount: { bin: '970418', accountNumber: `96${randomInt(10_000_000, 99_999_999)}` },
    payoutAccount: { bin: '970415', accountNumber: accountNo(), holderName: 'NGUYEN THI HOA' },
    status: 'active',
    ...overrides,
  };
}

export const activated = (s: Stall) =>
  createEvent(merchantActivatedV1, {
    aggregateId: s.merchantId,
    producer: 'merchant-onboarding',
    data: { ...s, status: 'active', activatedBy: 'user-manager', reactivation: false },
  });

export const accountChanged = (s: Stall) =>
  createEvent(merchantUpdatedV1, {
    aggregateId: s.merchantId,
    producer: 'merchant-onboarding',
    data: { ...s, changedFields: ['payoutAccount'] },
  });

export interface PaymentOpts {
  paymentId?: string;
  bankTransactionId?: string;
  paidAt?: string;
}

export function payment(s: Stall, amount: number, businessDay: string, o: PaymentOpts = {}) {
  return createEvent(paymentConfirmedV1, {
    aggregateId: s.merchantId,
    producer: 'payment-ledger',
    data: {
      paymentId: o.paymentId ?? uniqueName('pay'),
      merchantId: s.merchantId,
      marketId: s.marketId,
      stallCode: s.stallCode,
      amount,
      currency: 'VND',
      bankTransactionId: o.bankTransactionId ?? uniqueName('FT'),
      qrId: null,
      orderCode: null,
      expectedAmount: null,
      payerName: 'TRAN VAN AN',
      description: `${s.stallCode} chuyen tien`,
      paidAt: o.paidAt ?? `${businessDay}T10:00:00+07:00`,
      businessDay,
    },
  });
}

export function unmatched(marketId: string, amount: number, businessDay: string) {
  return createEvent(paymentFlaggedV1, {
    aggregateId: marketId,
    producer: 'payment-ledger',
    data: {
      paymentId: uniqueName('pay'),
      reason: 'unmatched',
      creditedTo: 'suspense',
      merchantId: null,
      marketId,
      amount,
      currency: 'VND',
      expectedAmount: null,
      bankTransactionId: uniqueName('FT'),
      qrId: null,
      orderCode: null,
      payerName: null,
      description: 'chuyen tien',
      paidAt: `${businessDay}T11:00:00+07:00`,
      businessDay,
    },
  });
}

type PaymentEvent = ReturnType<typeof payment>;

export function reversal(p: PaymentEvent, amount: number, businessDay: string) {
  return createEvent(paymentReversedV1, {
    aggregateId: p.data.merchantId,
    producer: 'payment-ledger',
    data: {
      paymentId: p.data.paymentId,
      reversalId: uniqueName('rev'),
      merchantId: p.data.merchantId,
      marketId: p.data.marketId,
      amount,
      currency: 'VND',
      bankTransactionId: p.data.bankTransactionId,
      reasonCode: 'refund_to_payer',
      reason: 'Khách yêu cầu hoàn tiền',
      businessDay,
      originalBusinessDay: p.data.businessDay,
    },
  });
}

export function reallocation(
  p: { paymentId: string; bankTransactionId: string; amount: number; marketId: string },
  from: Stall | null,
  to: Stall,
  businessDay: string,
) {
  return createEvent(paymentReallocatedV1, {
    aggregateId: to.merchantId,
    producer: 'payment-ledger',
    data: {
      paymentId: p.paymentId,
      reallocationId: uniqueName('rea'),
      fromMerchantId: from?.merchantId ?? null,
      toMerchantId: to.merchantId,
      marketId: p.marketId,
      amount: p.amount,
      currency: 'VND',
      bankTransactionId: p.bankTransactionId,
      reallocatedBy: 'user-manager',
      reason: 'Khách chuyển nhầm quầy',
      businessDay,
    },
  });
}

/** Produces into the run's prefixed topics, through the project's one door to Kafka. */
export async function eventProducer(prefix: string) {
  const kafka = createKafka({
    brokers: testInfra().kafkaBrokers,
    clientId: 'settlement-test',
    logger: pino({ level: 'silent' }),
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const topicOf = (e: Envelope) =>
    prefix + (e.type.startsWith('merchant.') ? TOPICS.merchantEvents : TOPICS.paymentEvents).name;
  return {
    /** In order, one send per topic; events of one key keep their order. */
    async send(...events: Envelope[]) {
      for (const e of events) {
        await producer.send({ topic: topicOf(e), messages: [{ key: e.aggregateId, value: JSON.stringify(e) }] });
      }
    },
    stop: () => producer.disconnect(),
  };
}

/** The settlement topic, read from the beginning; duplicates (at-least-once) dropped by eventId as consumers do. */
export async function settlementEvents(prefix: string) {
  const collected = await collectTopic(testInfra().kafkaBrokers, prefix + TOPICS.settlementEvents.name);
  const unique = () => {
    const seen = new Set<string>();
    const out: Json[] = [];
    for (const m of collected.messages as CollectedMessage[]) {
      const v = m.value as Json;
      if (seen.has(v.eventId)) continue;
      seen.add(v.eventId);
      out.push(v);
    }
    return out;
  };
  return {
    raw: collected.messages,
    all: unique,
    ofType: (type: string) => unique().filter((e) => e.type === type),
    paidFor: (lineIds: string[]) =>
      unique().filter((e) => e.type === 'settlement.paid' && lineIds.includes(e.data.settlementLineId)),
    stop: collected.stop,
  };
}

export { uniqueName, waitFor };
