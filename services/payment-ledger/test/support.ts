/**
 * Test fixtures for payment-ledger: the service started in-process against the real broker and database (its own
 * database and topic prefix), signed webhooks over real HTTP, merchant/qr/settlement events produced with the
 * contracts' createEvent into the prefixed topics, and tokens.
 */
import mongoose from 'mongoose';
import { createTokenIssuer, loadAuthConfig, type PrincipalClaims } from '@marketqr/auth';
import {
  createEvent,
  merchantActivatedV1,
  merchantSuspendedV1,
  qrIssuedV1,
  settlementFailedV1,
  settlementPaidV1,
  topicFor,
  TOPICS,
  type Envelope,
} from '@marketqr/contracts';
import { createIdempotentProducer, createKafka } from '@marketqr/messaging';
import { createLogger, OffsetClock, type RunningService } from '@marketqr/service-kit';
import { runService } from '@marketqr/service-runtime';
import {
  collectTopic,
  DEFAULT_WAIT_MS,
  testInfra,
  uniqueName,
  waitFor,
  type CollectedMessage,
  serviceTestEnv,
} from '@marketqr/test-harness';
import { definition } from '../src/service';
import { registerModels, type Models } from '../src/store/models';
import { sign } from '../src/webhooks/signatures';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const SECRETS = {
  bankSim: 'test-bank-sim-secret-0123456789',
  sepay: 'test-sepay-secret-0123456789abcd',
  casso: 'test-casso-checksum-key-0123456789',
  payerHash: 'test-payer-hash-key-0123456789abcdef',
};
const JWT_SECRET = 'a-test-secret-that-is-at-least-32-characters-long';

export const MARKETS = {
  nenh: { marketId: 'cho-nenh', collection: '2150001234' },
  benThanh: { marketId: 'cho-ben-thanh', collection: '2150009999' },
  // Not in COLLECTION_ACCOUNTS: the ledger knows its collection account only from merchant events.
  hom: { marketId: 'cho-hom', collection: '2150007777' },
};

/** The ledger's MATCH_HOLD_MS in tests. */
export const HOLD_MS = 600_000;

export interface Harness {
  svc: RunningService;
  base: string;
  prefix: string;
  dbName: string;
  models: Models;
  /** The service's clock: `clock.advance(HOLD_MS)` ends every hold at once, however slow the machine. */
  clock: OffsetClock;
  paymentEvents: { messages: CollectedMessage[]; stop: () => Promise<void> };
  ledgerEvents: { messages: CollectedMessage[]; stop: () => Promise<void> };
  publish(events: Envelope[]): Promise<void>;
  token(claims: PrincipalClaims): string;
  stop(): Promise<void>;
}

export async function startLedger(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const { kafkaBrokers, mongoUrl } = testInfra();
  const prefix = `${uniqueName(label)}.`;
  const dbName = uniqueName(`test_ledger_${label}`);
  const clock = new OffsetClock();
  const svc = await runService(definition, {
    env: {
      ...serviceTestEnv({ dbName: dbName, topicPrefix: prefix }),
      JWT_SECRET,
      WEBHOOK_SECRET_BANKSIM: SECRETS.bankSim,
      WEBHOOK_SECRET_SEPAY: SECRETS.sepay,
      WEBHOOK_SECRET_CASSO: SECRETS.casso,
      PAYER_HASH_KEY: SECRETS.payerHash,
      COLLECTION_ACCOUNTS: `${MARKETS.nenh.collection}=${MARKETS.nenh.marketId},${MARKETS.benThanh.collection}=${MARKETS.benThanh.marketId}`,
      // Long enough that no hold ends by itself during a test: tests that need one over move the clock.
      MATCH_HOLD_MS: String(HOLD_MS),
      INBOX_POLL_MS: '500',
      INBOX_GRACE_MS: '1000',
      SSE_POLL_MS: '200',
      LEDGER_SWEEP_MS: '500',
      LEDGER_PENDING_AFTER_MS: '5000',
      ...env,
    },
    clock,
  });
  await svc.ready;
  const connection = mongoose.createConnection();
  await connection.openUri(mongoUrl, { dbName, autoIndex: false, autoCreate: false });
  const models = registerModels(connection);
  const logger = createLogger('ledger-test', 'warn');
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'ledger-test', logger, kafkaLogLevel: 'error' });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const paymentEvents = await collectTopic(kafkaBrokers, prefix + TOPICS.paymentEvents.name);
  const ledgerEvents = await collectTopic(kafkaBrokers, prefix + TOPICS.ledgerEvents.name);
  const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET }, { issuer: true }));
  return {
    svc,
    base: `http://127.0.0.1:${svc.port}`,
    prefix,
    dbName,
    models,
    clock,
    paymentEvents,
    ledgerEvents,
    async publish(events) {
      for (const e of events) {
        await producer.send({
          topic: prefix + topicFor(e.type, e.version).name,
          messages: [{ key: e.aggregateId, value: JSON.stringify(e) }],
        });
      }
    },
    token: (claims) => issuer.issue(claims).token,
    async stop() {
      await paymentEvents.stop().catch(() => undefined);
      await ledgerEvents.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await svc.stop();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

// ---- events we consume ----------------------------------------------------------------------------------------------

export interface StallFixture {
  merchantId: string;
  marketId: string;
  stallCode: string;
  va: string;
}

export function stall(i: number, market = MARKETS.nenh): StallFixture {
  return {
    merchantId: `stl-${market.marketId}-${i}`,
    marketId: market.marketId,
    stallCode: `A-${String(i).padStart(2, '0')}`,
    va: `96${market.collection.slice(-4)}${String(100000 + i)}`,
  };
}

export function activated(s: StallFixture, status: 'active' | 'suspended' = 'active'): Envelope {
  const snapshot = {
    merchantId: s.merchantId,
    marketId: s.marketId,
    marketName: 'Chợ Nếnh',
    zone: 'A',
    stallCode: s.stallCode,
    category: 'fresh_produce',
    vendorName: 'Nguyễn Thị Hoa',
    virtualAccount: { bin: '970418', accountNumber: s.va },
    payoutAccount: { bin: '970436', accountNumber: '0011223344', holderName: 'NGUYEN THI HOA' },
    collectionAccount: {
      bin: '970418',
      accountNumber: Object.values(MARKETS).find((m) => m.marketId === s.marketId)!.collection,
    },
  };
  if (status === 'suspended') {
    return createEvent(merchantSuspendedV1, {
      aggregateId: s.merchantId,
      producer: 'merchant-onboarding',
      data: { ...snapshot, status, reasonCode: 'compliance', reason: 'test', suspendedBy: 'usr-manager' },
    });
  }
  return createEvent(merchantActivatedV1, {
    aggregateId: s.merchantId,
    producer: 'merchant-onboarding',
    data: { ...snapshot, status, activatedBy: 'usr-manager', reactivation: false },
  });
}

export function dynamicQr(
  s: StallFixture,
  orderCode: string,
  amount: number,
  expiresAt = new Date(Date.now() + 3_600_000),
): Envelope {
  return createEvent(qrIssuedV1, {
    aggregateId: s.merchantId,
    producer: 'qr-generation',
    data: {
      qrId: `qr_${orderCode.toLowerCase()}`,
      merchantId: s.merchantId,
      marketId: s.marketId,
      kind: 'dynamic',
      stallCode: s.stallCode,
      bin: '970418',
      accountNumber: s.va,
      orderCode,
      amount,
      payload: `000201010212385700${orderCode}6304ABCD`,
      expiresAt: expiresAt.toISOString(),
      posterSerial: null,
    },
  });
}

export function settlementPaid(
  s: StallFixture,
  lineId: string,
  amounts: { net: number; fee?: number; charges?: number },
): Envelope {
  return createEvent(settlementPaidV1, {
    aggregateId: s.merchantId,
    producer: 'settlement',
    data: {
      settlementLineId: lineId,
      batchId: 'batch-1',
      merchantId: s.merchantId,
      marketId: s.marketId,
      businessDay: '2025-03-01',
      netAmount: amounts.net,
      ...(amounts.fee !== undefined ? { feeAmount: amounts.fee } : {}),
      ...(amounts.charges !== undefined ? { chargesAmount: amounts.charges } : {}),
      grossAmount: amounts.net + (amounts.fee ?? 0) + (amounts.charges ?? 0),
      currency: 'VND',
      payoutAccount: { bin: '970436', accountNumber: '0011223344', holderName: 'NGUYEN THI HOA' },
      bankReference: `FT${lineId}`,
      paidAt: new Date().toISOString(),
    },
  });
}

export function settlementFailed(s: StallFixture, lineId: string, net: number): Envelope {
  return createEvent(settlementFailedV1, {
    aggregateId: s.merchantId,
    producer: 'settlement',
    data: {
      settlementLineId: lineId,
      batchId: 'batch-1',
      merchantId: s.merchantId,
      marketId: s.marketId,
      businessDay: '2025-03-01',
      netAmount: net,
      currency: 'VND',
      payoutAccount: { bin: '970436', accountNumber: '0011223344', holderName: 'NGUYEN THI HOA' },
      reasonCode: 'account_closed',
      reason: 'closed',
      retryable: false,
      nextAttemptAt: null,
      attempt: 1,
    },
  });
}

/** Waits until the service's projections hold these stalls and QRs (its consumer has caught up). */
export async function waitForProjections(h: Harness, stalls: number, qrs = 0): Promise<void> {
  await waitFor(
    async () => (await h.models.stalls.countDocuments({})) >= stalls && (await h.models.qrs.countDocuments({})) >= qrs,
    { what: `${stalls} stalls and ${qrs} QRs projected` },
  );
}

// ---- webhooks we receive --------------------------------------------------------------------------------------------

let txCounter = 0;
export const txId = (label = 'FT') => `${label}${Date.now().toString(36).toUpperCase()}${(txCounter++).toString(36)}`;

export interface BankSimBody {
  transactionId: string;
  direction: 'in' | 'out';
  amount: number;
  description: string;
  accountNumber: string;
  virtualAccount: string | null;
  bankBin: string;
  bookedAt: string;
  counterparty: { bin: string; accountNumber: string; name: string } | null;
}

export function bankSimBody(over: Partial<BankSimBody> = {}): BankSimBody {
  return {
    transactionId: txId(),
    direction: 'in',
    amount: 50_000,
    description: 'chuyen tien',
    accountNumber: MARKETS.nenh.collection,
    virtualAccount: null,
    bankBin: '970418',
    bookedAt: new Date().toISOString(),
    counterparty: { bin: '970436', accountNumber: '0123456789', name: 'TRAN VAN BINH' },
    ...over,
  };
}

export interface Reply {
  status: number;
  body: Json;
}

async function send(base: string, path: string, raw: string, headers: Record<string, string>): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {}
  return { status: res.status, body };
}

export function postBankSim(
  base: string,
  body: unknown,
  opts: { secret?: string; timestamp?: number; raw?: string } = {},
): Promise<Reply> {
  const raw = opts.raw ?? JSON.stringify(body);
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return send(base, '/webhooks/bank-sim', raw, {
    'x-marketqr-timestamp': ts,
    'x-marketqr-signature': sign.timestampedSha256(opts.secret ?? SECRETS.bankSim, ts, raw),
  });
}

export function postSepay(base: string, body: unknown, opts: { secret?: string; timestamp?: number } = {}) {
  const raw = JSON.stringify(body);
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return send(base, '/webhooks/sepay', raw, {
    'x-sepay-timestamp': ts,
    'x-sepay-signature': sign.timestampedSha256(opts.secret ?? SECRETS.sepay, ts, raw),
  });
}

export function postCasso(base: string, body: unknown, opts: { secret?: string; tMs?: number } = {}) {
  // Sent with its keys in whatever order they were written: Casso signs the sorted re-serialisation, not the bytes.
  return send(base, '/webhooks/casso', JSON.stringify(body), {
    'x-casso-signature': sign.casso(opts.secret ?? SECRETS.casso, opts.tMs ?? Date.now(), body),
  });
}

/** Local time in Asia/Ho_Chi_Minh as SePay and Casso write it. */
export function hcmLocal(at = new Date()): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

// ---- reading what the service did ------------------------------------------------------------------------------------

export async function call(h: Harness, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

/** The payment entry of a notification, once posted. */
export async function paymentEntry(h: Harness, paymentId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Json> {
  return waitFor(async () => (await h.models.entries.findOne({ _id: `payment:${paymentId}` })) as Json | null, {
    timeoutMs,
    what: `entry of ${paymentId}`,
  });
}

export async function balanceOf(h: Harness, account: string): Promise<number> {
  const [last] = await h.models.postings.find({ account }).sort({ seq: -1 }).limit(1).toArray();
  return last?.balanceAfter ?? 0;
}

/** Waits until every stored notification is posted and every entry's postings are written. */
export async function settled(h: Harness, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  await waitFor(
    async () => (await h.models.work.countDocuments({})) === 0 && (await h.models.pending.countDocuments({})) === 0,
    { timeoutMs, intervalMs: 200, what: 'inbox drained and entries completed' },
  );
}

export const eventsOf = (c: { messages: CollectedMessage[] }, type: string) =>
  c.messages.map((m) => m.value as Json).filter((v) => v.type === type);
