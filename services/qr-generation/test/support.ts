/**
 * Starts qr-generation in-process against the real broker and FerretDB/MongoDB, with its own database and topic
 * prefix, and gives tests what they need around it: a producer of merchant events, a reader of qr events, tokens, and
 * a direct connection to count documents.
 */
import { randomInt } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import {
  createEvent,
  merchantActivatedV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  parseEvent,
  TOPICS,
  type Envelope,
  type KnownEvent,
  type MerchantSnapshot,
} from '@marketqr/contracts';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import { runService } from '@marketqr/service-runtime';
import { OffsetClock } from '@marketqr/service-kit';
import { testInfra, uniqueName, waitFor, serviceTestEnv } from '@marketqr/test-harness';

// pdf.js text extraction moved to the test harness (market-insights' report is a PDF too); re-exported for the tests here.
export { pdfText } from '@marketqr/test-harness';
import { definition } from '../src/service';

export const SECRET = 'qr-generation-test-secret-0123456789abcdef';
export const ISSUER = 'marketqr-merchant-onboarding';
export const AUDIENCE = 'marketqr';

export type Claims =
  | { role: 'vendor'; sub: string; merchantId: string; marketId?: string }
  | { role: 'market_manager'; sub: string; marketId: string }
  | { role: 'admin'; sub: string }
  | { role: 'service'; sub: string };

/** A token as merchant-onboarding issues them (another secret: a forgery; a negative lifetime: expired). */
export function token(claims: Claims, opts: { secret?: string; expiresIn?: number } = {}): string {
  const config = loadAuthConfig({
    NODE_ENV: 'test',
    JWT_SECRET: opts.secret ?? SECRET,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  });
  return createTokenIssuer(config).issue(claims, { ttlSeconds: opts.expiresIn ?? 600 }).token;
}

/** A stall with its virtual account registered: the only kind that gets QRs. */
export type Snapshot = MerchantSnapshot & { virtualAccount: NonNullable<MerchantSnapshot['virtualAccount']> };

/** A stall of a market; every call a new stall with its own virtual account. */
export function stall(overrides: Partial<Snapshot> = {}): Snapshot {
  const n = randomInt(100_000, 999_999);
  return {
    merchantId: uniqueName('stall'),
    marketId: 'market-ben-thanh',
    marketName: 'Chợ Bến Thành',
    zone: 'Khu A – Rau củ',
    stallCode: `BT-${n}`,
    category: 'fresh_produce',
    vendorName: 'Nguyễn Thị Hoa',
    virtualAccount: { bin: '970436', accountNumber: `9001${String(n)}${String(randomInt(100, 999))}` },
    payoutAccount: { bin: '970415', accountNumber: '107001234567', holderName: 'NGUYEN THI HOA' },
    status: 'active',
    ...overrides,
  };
}

const producer = 'merchant-onboarding';

export function activated(s: MerchantSnapshot, occurredAt = new Date()) {
  return createEvent(merchantActivatedV1, {
    aggregateId: s.merchantId,
    producer,
    occurredAt,
    data: { ...s, status: 'active', activatedBy: 'user-manager-bt', reactivation: false },
  });
}

export function suspended(s: MerchantSnapshot, occurredAt = new Date()) {
  return createEvent(merchantSuspendedV1, {
    aggregateId: s.merchantId,
    producer,
    occurredAt,
    data: {
      ...s,
      status: 'suspended',
      reasonCode: 'suspected_fake_qr',
      reason: 'posters replaced',
      suspendedBy: 'u-1',
    },
  });
}

export function updated(
  s: Snapshot,
  changedFields: ('stallCode' | 'vendorName' | 'virtualAccount' | 'marketName')[],
  occurredAt = new Date(),
) {
  return createEvent(merchantUpdatedV1, {
    aggregateId: s.merchantId,
    producer,
    occurredAt,
    data: { ...s, changedFields },
  });
}

/** The tokens tests act with: the stall's vendor, a market's manager, an admin. */
export const vendorOf = (s: Pick<Snapshot, 'merchantId' | 'marketId'>) =>
  token({ role: 'vendor', sub: `u-${s.merchantId}`, merchantId: s.merchantId, marketId: s.marketId });
export const managerOf = (marketId: string) => token({ role: 'market_manager', sub: `m-${marketId}`, marketId });
export const adminToken = () => token({ role: 'admin', sub: 'admin-1' });

export interface Harness {
  url: string;
  /** The service's clock: `clock.advance(ms)` makes expiries due without waiting for them. */
  clock: OffsetClock;
  db: Connection;
  publish(...events: Envelope[]): Promise<void>;
  /** Every qr event published so far, in order. */
  qrEvents(): KnownEvent[];
  waitForQrEvent<T extends KnownEvent['type']>(
    type: T,
    match: (e: Extract<KnownEvent, { type: T }>) => boolean,
    what?: string,
  ): Promise<Extract<KnownEvent, { type: T }>>;
  http(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: Buffer | FormData },
  ): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // Tests walk response bodies freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  bytes: Buffer;
}

export async function startQrService(env: Record<string, string> = {}): Promise<Harness> {
  const infra = testInfra();
  const clock = new OffsetClock();
  const prefix = `${uniqueName('qrgen')}.`;
  const dbName = uniqueName('test_qr_generation');
  const running = await runService(definition, {
    env: {
      ...serviceTestEnv({ dbName: dbName, topicPrefix: prefix }),
      JWT_SECRET: SECRET,
      QR_EXPIRY_SWEEP_MS: '150',
      QR_MIN_TTL_SECONDS: '60',
      QR_MERCHANT_CITY: 'Hồ Chí Minh',
      ...env,
    },
    clock,
  });
  await running.ready;

  const kafka = new Kafka({ brokers: infra.kafkaBrokers, clientId: 'qr-generation-test', logLevel: logLevel.NOTHING });
  const producerClient: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producerClient.connect();

  const seen: KnownEvent[] = [];
  const reader: Consumer = kafka.consumer({ groupId: uniqueName('qr-reader'), maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics: [prefix + TOPICS.qrEvents.name], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const parsed = parseEvent(message.value);
      if (!parsed.ok) throw new Error(`invalid qr event: ${parsed.error.message}`);
      seen.push(parsed.event);
    },
  });

  const db = await mongoose.createConnection(infra.mongoUrl, { dbName }).asPromise();
  const url = `http://127.0.0.1:${running.port}`;

  return {
    url,
    clock,
    db,
    async publish(...events) {
      await producerClient.send({
        topic: prefix + TOPICS.merchantEvents.name,
        messages: events.map((e) => ({ key: e.aggregateId, value: JSON.stringify(e) })),
      });
    },
    qrEvents: () => [...seen],
    waitForQrEvent(type, match, what) {
      return waitFor(
        () => seen.find((e): e is Extract<KnownEvent, { type: typeof type }> => e.type === type && match(e as never)),
        { intervalMs: 50, what: what ?? `${type} event` },
      );
    },
    async http(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: RequestInit['body'];
      if (opts.raw !== undefined) body = opts.raw instanceof FormData ? opts.raw : new Uint8Array(opts.raw);
      else if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      const res = await fetch(url + path, { method, headers, body, signal: AbortSignal.timeout(60_000) });
      const bytes = Buffer.from(await res.arrayBuffer());
      let parsed: unknown = undefined;
      if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(bytes.toString('utf8'));
      return { status: res.status, headers: res.headers, body: parsed, bytes };
    },
    async stop() {
      await running.stop();
      await reader.disconnect().catch(() => undefined);
      await producerClient.disconnect().catch(() => undefined);
      await db.dropDatabase().catch(() => undefined);
      await db.close();
      const admin = kafka.admin();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
