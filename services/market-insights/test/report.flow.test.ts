/**
 * The monthly report end to end: a month (and the one before) of a small market's events, written out by hand below
 * with the figures they must give, go through the real broker into the service running in-process; the report must
 * answer those figures in JSON, the same in CSV (BOM, Vietnamese headers, whole đồng) and as an A4 PDF whose text
 * pdf.js reads back with its diacritics. Bad and future months, other markets' managers and vendors are refused.
 */
import type { Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import {
  createEvent,
  merchantActivatedV1,
  merchantRegisteredV1,
  merchantSuspendedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReversedV1,
  qrIssuedV1,
  settlementBatchCreatedV1,
  settlementFailedV1,
  settlementPaidV1,
  topicFor,
  type KnownEvent,
} from '@marketqr/contracts';
import { createIdempotentProducer, createKafka } from '@marketqr/messaging';
import { createLogger, type RunningService } from '@marketqr/service-kit';
import { pdfText, testInfra, uniqueName, waitForProgress } from '@marketqr/test-harness';
import { parseCsv } from './csv';
import { consumerProgress, startInsights } from './service';

const JWT_SECRET = 'market-insights-report-test-secret-32-chars';
const prefix = `${uniqueName('mirep')}.`;
const dbName = uniqueName('test_insights_report');
const logger = createLogger('market-insights', process.env.TEST_LOG_LEVEL ?? 'silent');

const MARKET = { id: 'cho-phu-ly', name: 'Chợ Phủ Lý' };
const OTHER = { id: 'cho-ben-thanh', name: 'Chợ Bến Thành' };
const at = (local: string) => `${local}:00+07:00`;
// "Today" for the service: 2 April 2025, 09:15 in Hà Nội. Last month is March.
const NOW = new Date(at('2025-04-02T09:15'));

let svc: RunningService;
let base: string;
let producer: Producer;
let db: Connection;
const tokens = { manager: '', other: '', vendor: '', admin: '' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ------------------------------------------------------------------------------------------------ the market's month

interface Stall {
  id: string;
  market: { id: string; name: string };
  code: string;
  zone: string;
  category: string;
  registered: string;
  activated?: string;
  suspended?: string;
  qr?: string;
}
const STALLS: Stall[] = [
  {
    id: 'pl-01',
    market: MARKET,
    code: 'A-01',
    zone: 'Khu A',
    category: 'fresh_produce',
    registered: '2025-02-03',
    activated: '2025-02-04',
    qr: '2025-02-04',
  },
  {
    id: 'pl-02',
    market: MARKET,
    code: 'A-02',
    zone: 'Khu A',
    category: 'meat',
    registered: '2025-02-03',
    activated: '2025-02-04',
    qr: '2025-02-04',
  },
  {
    id: 'pl-03',
    market: MARKET,
    code: 'B-01',
    zone: 'Khu B – Hàng khô',
    category: 'dry_goods',
    registered: '2025-02-10',
    activated: '2025-02-11',
    qr: '2025-02-11',
  },
  // New in March, active, printed QR, but no payment yet.
  {
    id: 'pl-04',
    market: MARKET,
    code: 'B-02',
    zone: 'Khu B – Hàng khô',
    category: 'clothing',
    registered: '2025-03-05',
    activated: '2025-03-06',
    qr: '2025-03-06',
  },
  // Paid in March, then suspended on the 20th: paid in the month, but not an active stall at its end.
  {
    id: 'pl-05',
    market: MARKET,
    code: 'A-03',
    zone: 'Khu A',
    category: 'meat',
    registered: '2025-02-03',
    activated: '2025-02-04',
    suspended: '2025-03-20',
    qr: '2025-02-04',
  },
  // Registered in March, never approved.
  { id: 'pl-06', market: MARKET, code: 'B-03', zone: 'Khu B – Hàng khô', category: 'other', registered: '2025-03-10' },
  {
    id: 'bt-01',
    market: OTHER,
    code: 'C-01',
    zone: 'Khu C',
    category: 'meat',
    registered: '2025-02-01',
    activated: '2025-02-02',
    qr: '2025-02-02',
  },
];

interface Pay {
  id: string;
  stall: string;
  paidAt: string;
  /** The ledger's business day, written by hand (the local day of paidAt). */
  day: string;
  amount: number;
  orderCode?: string;
  payer?: string;
}
const PAYMENTS: Pay[] = [
  // February (the month before).
  {
    id: 'p-f1',
    stall: 'pl-01',
    paidAt: at('2025-02-10T08:00'),
    day: '2025-02-10',
    amount: 100_000,
    payer: 'TRAN VAN BINH',
  },
  { id: 'p-f2', stall: 'pl-01', paidAt: at('2025-02-20T09:00'), day: '2025-02-20', amount: 50_000 },
  { id: 'p-f3', stall: 'pl-02', paidAt: at('2025-02-15T07:30'), day: '2025-02-15', amount: 200_000 },
  // March.
  {
    id: 'p-m1',
    stall: 'pl-01',
    paidAt: at('2025-03-01T07:10'),
    day: '2025-03-01',
    amount: 120_000,
    payer: 'Trần Văn Bình',
  },
  { id: 'p-m2', stall: 'pl-01', paidAt: at('2025-03-03T08:05'), day: '2025-03-03', amount: 80_000 },
  {
    id: 'p-m3',
    stall: 'pl-01',
    paidAt: at('2025-03-15T08:20'),
    day: '2025-03-15',
    amount: 45_500,
    payer: 'TRAN VAN BINH',
  },
  { id: 'p-m4', stall: 'pl-01', paidAt: at('2025-03-31T17:40'), day: '2025-03-31', amount: 30_000 },
  // 18:00 UTC on 28 February is 01:00 on 1 March in Hà Nội: March.
  { id: 'p-m5', stall: 'pl-02', paidAt: '2025-02-28T18:00:00Z', day: '2025-03-01', amount: 70_000 },
  {
    id: 'p-m6',
    stall: 'pl-02',
    paidAt: at('2025-03-02T09:00'),
    day: '2025-03-02',
    amount: 250_000,
    payer: 'LE THI HOA',
  },
  // Reversed later (the bank recalled it): not counted.
  { id: 'p-m7', stall: 'pl-02', paidAt: at('2025-03-10T10:00'), day: '2025-03-10', amount: 150_000 },
  {
    id: 'p-m8',
    stall: 'pl-03',
    paidAt: at('2025-03-05T14:00'),
    day: '2025-03-05',
    amount: 60_000,
    orderCode: 'DH0305',
  },
  { id: 'p-m9', stall: 'pl-03', paidAt: at('2025-03-25T15:00'), day: '2025-03-25', amount: 90_000 },
  { id: 'p-m10', stall: 'pl-05', paidAt: at('2025-03-12T06:30'), day: '2025-03-12', amount: 40_000 },
  // 17:30 UTC on 31 March is 00:30 on 1 April: April.
  { id: 'p-a1', stall: 'pl-01', paidAt: '2025-03-31T17:30:00Z', day: '2025-04-01', amount: 10_000 },
  // Another market: never in this one's report.
  { id: 'p-o1', stall: 'bt-01', paidAt: at('2025-03-05T09:00'), day: '2025-03-05', amount: 500_000 },
];

/** What the report must say, computed by hand from the lines above. */
const EXPECTED = {
  march: {
    registered: 6,
    active: 4, // pl-01..04 (pl-05 suspended, pl-06 never approved)
    withPrintedQr: 5, // pl-01..05
    stallsPaid: 4, // pl-01, 02, 03, 05
    activeStallsPaid: 3,
    paidRate: 0.75,
    adoptionRate: 0.5, // the dashboard's: active stalls paid in the 7 days to 31 March (pl-01, pl-03) / 4
    paymentCount: 9,
    paymentValue: 785_500, // 275.500 + 320.000 + 150.000 + 40.000
    averageTicket: 87_278, // 785.500 / 9 = 87.277,8
    feesCollected: 3_000,
    chargesCollected: 20_000,
  },
  february: {
    registered: 4,
    active: 4,
    withPrintedQr: 4,
    stallsPaid: 2,
    activeStallsPaid: 2,
    paidRate: 0.5,
    adoptionRate: 0, // nobody paid in the 7 days to 28 February (the last payment was on the 20th)
    paymentCount: 3,
    paymentValue: 350_000,
    averageTicket: 116_667,
    feesCollected: 250,
    chargesCollected: 5_000,
  },
  byWeek: [
    { week: 1, from: '2025-03-01', to: '2025-03-02', paymentCount: 3, paymentValue: 440_000 },
    { week: 2, from: '2025-03-03', to: '2025-03-09', paymentCount: 2, paymentValue: 140_000 },
    { week: 3, from: '2025-03-10', to: '2025-03-16', paymentCount: 2, paymentValue: 85_500 },
    { week: 4, from: '2025-03-17', to: '2025-03-23', paymentCount: 0, paymentValue: 0 },
    { week: 5, from: '2025-03-24', to: '2025-03-30', paymentCount: 1, paymentValue: 90_000 },
    { week: 6, from: '2025-03-31', to: '2025-03-31', paymentCount: 1, paymentValue: 30_000 },
  ],
};

const PRODUCER = {
  merchant: 'merchant-onboarding',
  qr: 'qr-generation',
  payment: 'payment-ledger',
  settlement: 'settlement',
};

function snapshot(s: Stall, status: string) {
  return {
    merchantId: s.id,
    marketId: s.market.id,
    marketName: s.market.name,
    zone: s.zone,
    stallCode: s.code,
    category: s.category,
    vendorName: `Tiểu thương ${s.code}`,
    virtualAccount: { bin: '970418', accountNumber: `900${s.code.replace(/\D/g, '')}` },
    payoutAccount: {
      bin: '970436',
      accountNumber: `00${s.code.replace(/\D/g, '')}11`,
      holderName: `NGUOI BAN ${s.code}`,
    },
    status: status as 'active',
  };
}

function merchantAndQrEvents(): KnownEvent[] {
  const out: KnownEvent[] = [];
  for (const s of STALLS) {
    const m = (def: Parameters<typeof createEvent>[0], occurredAt: string, data: object) =>
      out.push(createEvent(def, { aggregateId: s.id, producer: PRODUCER.merchant, occurredAt, data }) as KnownEvent);
    m(merchantRegisteredV1, at(`${s.registered}T07:00`), {
      ...snapshot(s, 'pending_verification'),
      registeredBy: { userId: `usr-${s.id}`, role: 'vendor' },
    });
    if (s.activated)
      m(merchantActivatedV1, at(`${s.activated}T08:00`), {
        ...snapshot(s, 'active'),
        activatedBy: 'usr-manager',
        reactivation: false,
      });
    if (s.suspended)
      m(merchantSuspendedV1, at(`${s.suspended}T09:00`), {
        ...snapshot(s, 'suspended'),
        reasonCode: 'suspected_fake_qr',
        reason: 'Nghi mã QR giả dán đè',
        suspendedBy: 'usr-manager',
      });
    if (s.qr)
      out.push(
        createEvent(qrIssuedV1, {
          aggregateId: s.id,
          producer: PRODUCER.qr,
          occurredAt: at(`${s.qr}T08:30`),
          data: {
            qrId: `qr-${s.id}`,
            merchantId: s.id,
            marketId: s.market.id,
            kind: 'static',
            stallCode: s.code,
            bin: '970418',
            accountNumber: '9000001',
            orderCode: null,
            amount: null,
            payload: `000201010211-static-${s.id}-6304ABCD`,
            expiresAt: null,
            posterSerial: `PS-${s.id}`,
          },
        }) as KnownEvent,
      );
  }
  return out;
}

const stall = (id: string) => STALLS.find((s) => s.id === id)!;

function paymentEvents(): KnownEvent[] {
  return PAYMENTS.map(
    (p) =>
      createEvent(paymentConfirmedV1, {
        aggregateId: p.stall,
        producer: PRODUCER.payment,
        occurredAt: p.paidAt,
        data: {
          paymentId: p.id,
          merchantId: p.stall,
          marketId: stall(p.stall).market.id,
          stallCode: stall(p.stall).code,
          amount: p.amount,
          currency: 'VND',
          bankTransactionId: `FT-${p.id}`,
          qrId: p.orderCode ? null : `qr-${p.stall}`,
          orderCode: p.orderCode ?? null,
          expectedAmount: p.orderCode ? p.amount : null,
          payerName: p.payer ?? null,
          description: `thanh toan ${stall(p.stall).code}`,
          paidAt: p.paidAt,
          businessDay: p.day,
        },
      }) as KnownEvent,
  );
}

/** Unmatched payments: each raises a payment_in_suspense alert at its occurredAt. */
function suspense(id: string, paidAt: string, day: string): KnownEvent {
  return createEvent(paymentFlaggedV1, {
    aggregateId: MARKET.id,
    producer: PRODUCER.payment,
    occurredAt: paidAt,
    data: {
      paymentId: id,
      merchantId: null,
      marketId: MARKET.id,
      amount: 25_000,
      currency: 'VND',
      bankTransactionId: `FT-${id}`,
      qrId: null,
      orderCode: null,
      expectedAmount: null,
      payerName: null,
      description: 'chuyen tien',
      paidAt,
      businessDay: day,
      reason: 'unmatched',
      creditedTo: 'suspense',
    },
  }) as KnownEvent;
}

interface Line {
  settlementLineId: string;
  merchantId: string;
  grossAmount: number;
  feeAmount: number;
  chargesAmount?: number;
  netAmount: number;
  payoutAccount: { bin: string; accountNumber: string; holderName: string };
}
const line = (id: string, merchantId: string, gross: number, fee: number, charges = 0): Line => ({
  settlementLineId: id,
  merchantId,
  grossAmount: gross,
  feeAmount: fee,
  ...(charges ? { chargesAmount: charges } : {}),
  netAmount: gross - fee - charges,
  payoutAccount: { bin: '970436', accountNumber: `00${merchantId.replace(/\D/g, '')}11`, holderName: 'NGUOI BAN' },
});
const LINES = {
  feb: line('sl-0228-01', 'pl-01', 50_000, 250, 5_000),
  l1: line('sl-0314-01', 'pl-01', 200_000, 1_000, 20_000),
  l2: line('sl-0314-02', 'pl-02', 300_000, 1_500),
  l3: line('sl-0314-03', 'pl-03', 60_000, 300),
  l4: line('sl-0315-02', 'pl-02', 100_000, 500),
};
const batch = (id: string, day: string, lines: Line[]) =>
  createEvent(settlementBatchCreatedV1, {
    aggregateId: MARKET.id,
    producer: PRODUCER.settlement,
    occurredAt: at(`${day}T22:00`),
    data: {
      batchId: id,
      marketId: MARKET.id,
      businessDay: day,
      cutoffAt: at(`${day}T22:00`),
      lines,
      lineCount: lines.length,
      totalNetAmount: lines.reduce((s, l) => s + l.netAmount, 0),
    },
  }) as KnownEvent;
const paid = (batchId: string, day: string, l: Line, paidAt: string) =>
  createEvent(settlementPaidV1, {
    aggregateId: l.merchantId,
    producer: PRODUCER.settlement,
    occurredAt: paidAt,
    data: {
      settlementLineId: l.settlementLineId,
      batchId,
      merchantId: l.merchantId,
      marketId: MARKET.id,
      businessDay: day,
      netAmount: l.netAmount,
      grossAmount: l.grossAmount,
      feeAmount: l.feeAmount,
      chargesAmount: l.chargesAmount ?? 0,
      currency: 'VND',
      payoutAccount: l.payoutAccount,
      bankReference: `BR-${l.settlementLineId}`,
      paidAt,
    },
  }) as KnownEvent;
const failed = (batchId: string, day: string, l: Line, attempt: number, retryable: boolean, occurredAt: string) =>
  createEvent(settlementFailedV1, {
    aggregateId: l.merchantId,
    producer: PRODUCER.settlement,
    occurredAt,
    data: {
      settlementLineId: l.settlementLineId,
      batchId,
      merchantId: l.merchantId,
      marketId: MARKET.id,
      businessDay: day,
      netAmount: l.netAmount,
      currency: 'VND',
      payoutAccount: l.payoutAccount,
      reasonCode: retryable ? 'timeout' : 'account_closed',
      reason: retryable ? 'Ngân hàng không trả lời' : 'Tài khoản nhận có vấn đề',
      retryable,
      nextAttemptAt: retryable ? at(`${day}T23:30`) : null,
      attempt,
    },
  }) as KnownEvent;

function phases(): KnownEvent[][] {
  const phase2: KnownEvent[] = [
    ...paymentEvents(),
    // March's alerts: one at 01:00 on 1 March in Hà Nội (still February in UTC) counts; one at 00:30 on 1 April does not.
    suspense('susp-1', at('2025-03-20T10:00'), '2025-03-20'),
    suspense('susp-edge-mar', '2025-02-28T18:00:00Z', '2025-03-01'),
    suspense('susp-edge-apr', '2025-03-31T17:30:00Z', '2025-04-01'),
    suspense('susp-feb', at('2025-02-27T10:00'), '2025-02-27'),
    batch('b-0228', '2025-02-28', [LINES.feb]),
    paid('b-0228', '2025-02-28', LINES.feb, at('2025-03-01T06:00')),
    batch('b-0314', '2025-03-14', [LINES.l1, LINES.l2, LINES.l3]),
    paid('b-0314', '2025-03-14', LINES.l1, at('2025-03-15T06:00')),
    paid('b-0314', '2025-03-14', LINES.l2, at('2025-03-15T06:00')),
    // l3: a timeout, then the account turned out closed (an alert, never paid).
    failed('b-0314', '2025-03-14', LINES.l3, 1, true, at('2025-03-15T06:00')),
    failed('b-0314', '2025-03-14', LINES.l3, 2, false, at('2025-03-15T07:00')),
    batch('b-0315', '2025-03-15', [LINES.l4]),
    // l4: refused once (an alert), paid after the vendor fixed the account (the alert resolves).
    failed('b-0315', '2025-03-15', LINES.l4, 1, false, at('2025-03-16T06:00')),
  ];
  const phase3: KnownEvent[] = [
    paid('b-0315', '2025-03-15', LINES.l4, at('2025-03-17T06:00')),
    createEvent(paymentReversedV1, {
      aggregateId: 'pl-02',
      producer: PRODUCER.payment,
      occurredAt: at('2025-03-11T09:00'),
      data: {
        paymentId: 'p-m7',
        reversalId: 'rev-p-m7',
        merchantId: 'pl-02',
        marketId: MARKET.id,
        amount: 150_000,
        currency: 'VND',
        bankTransactionId: 'FT-p-m7',
        reasonCode: 'bank_recall',
        reason: 'Ngân hàng thu hồi',
        businessDay: '2025-03-11',
        originalBusinessDay: '2025-03-10',
      },
    }) as KnownEvent,
  ];
  return [merchantAndQrEvents(), phase2, phase3];
}

// ------------------------------------------------------------------------------------------------ harness

async function produce(events: KnownEvent[]) {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const e of events) {
    const topic = prefix + topicFor(e.type, e.version).name;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: e.aggregateId, value: JSON.stringify(e) }]);
  }
  for (const [topic, messages] of byTopic) await producer.send({ topic, messages });
}

let progress: ReturnType<typeof consumerProgress>;

async function request(path: string, token: string | null = tokens.manager, accept?: string) {
  const res = await fetch(`${base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(accept ? { accept } : {}) },
  });
  const type = res.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    type,
    disposition: res.headers.get('content-disposition'),
    bytes,
    body: (type.includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined) as Json,
    // Decoded keeping the byte order mark, to see what Excel sees.
    text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
  };
}

beforeAll(async () => {
  const { kafkaBrokers } = testInfra();
  ({ svc, base, db } = await startInsights({
    clock: () => NOW,
    dbName,
    prefix,
    jwtSecret: JWT_SECRET,
    payerSalt: 'market-insights-report-test-salt',
    logger,
  }));

  const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET }, { issuer: true }));
  tokens.manager = issuer.issue({ role: 'market_manager', sub: 'usr-bql-phu-ly', marketId: MARKET.id }).token;
  tokens.other = issuer.issue({ role: 'market_manager', sub: 'usr-bql-ben-thanh', marketId: OTHER.id }).token;
  tokens.vendor = issuer.issue({ role: 'vendor', sub: 'usr-pl-01', merchantId: 'pl-01', marketId: MARKET.id }).token;
  tokens.admin = issuer.issue({ role: 'admin', sub: 'usr-admin' }).token;

  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'insights-report-test', logger });
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  // Phases: the stalls exist before their payments; a payout's failure is handled (and acknowledged) before its
  // payment, and a payment before its reversal. Each phase waits until the consumer has handled every event so far.
  progress = consumerProgress(kafka, prefix);
  await progress.connect();
  for (const [i, events] of phases().entries()) {
    await produce(events);
    const end = await progress.end();
    await waitForProgress(() => progress.committed(), end, { what: `phase ${i + 1} handled (${end} messages)` });
    // After the payout failures: a person acknowledges both refused lines. l3 stays acknowledged (never paid); l4 is
    // paid in phase 3, so its alert is handled and then resolved, and still counts as handled.
    if (i === 1) {
      const list = await request(`/markets/${MARKET.id}/alerts?kind=settlement_failed&status=open`);
      expect(list.body.items).toHaveLength(2);
      for (const a of list.body.items as Json[]) {
        const ack = await fetch(`${base}/alerts/${a.id}/acknowledge`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.manager}` },
        });
        expect(ack.status).toBe(200);
      }
    }
  }
});

afterAll(async () => {
  await progress?.disconnect();
  await producer?.disconnect();
  await svc?.stop();
  await db?.dropDatabase().catch(() => undefined);
  await db?.close();
});

describe('the monthly report of March', () => {
  const path = `/markets/${MARKET.id}/reports/monthly?month=2025-03`;

  it('JSON: adoption, payments, fees, payouts and alerts as written out above, February alongside', async () => {
    const res = await request(path);
    expect(res.status).toBe(200);
    const r = res.body.report as Json;
    expect(r.market).toEqual(MARKET);
    expect(r.month).toBe('2025-03');
    expect(r.period).toEqual({ from: '2025-03-01', to: '2025-03-31', asOf: '2025-03-31', complete: true });
    expect(r.previousMonth).toBe('2025-02');
    expect(r.generatedAt).toBe(NOW.toISOString());
    expect(r.generatedAtLocal).toBe('02/04/2025 09:15');
    expect(r.current).toEqual(EXPECTED.march);
    expect(r.previous).toEqual(EXPECTED.february);

    expect(r.payments).toMatchObject({
      dynamicCount: 1,
      dynamicValue: 60_000,
      staticCount: 8,
      staticValue: 725_500,
      // Trần Văn Bình (two spellings, paid in February too) and Lê Thị Hoa (new).
      payers: 2,
      newPayers: 1,
      busiestHour: 8,
      byWeek: EXPECTED.byWeek,
    });
    expect(r.payments.byDay).toHaveLength(31);
    expect(r.payments.byDay[0]).toEqual({ day: '2025-03-01', paymentCount: 2, paymentValue: 190_000 });
    expect(r.payments.byDay[9]).toEqual({ day: '2025-03-10', paymentCount: 0, paymentValue: 0 });
    expect(r.payments.zones).toEqual([
      { zone: 'Khu A', stalls: 3, stallsPaid: 3, paymentCount: 7, paymentValue: 635_500 },
      { zone: 'Khu B – Hàng khô', stalls: 3, stallsPaid: 1, paymentCount: 2, paymentValue: 150_000 },
    ]);
    expect(r.payments.categories.slice(0, 3)).toEqual([
      { category: 'meat', stalls: 2, stallsPaid: 2, paymentCount: 3, paymentValue: 360_000 },
      { category: 'fresh_produce', stalls: 1, stallsPaid: 1, paymentCount: 4, paymentValue: 275_500 },
      { category: 'dry_goods', stalls: 1, stallsPaid: 1, paymentCount: 2, paymentValue: 150_000 },
    ]);

    expect(r.fees).toEqual({ paidGross: 600_000, feesCollected: 3_000, chargesCollected: 20_000, paidNet: 577_000 });
    expect(r.payouts).toEqual({
      batches: 2,
      batchedLines: 4,
      batchedNet: 179_000 + 298_500 + 59_700 + 99_500,
      paidLines: 3,
      paidNet: 577_000,
      failedAttempts: 3,
      failedLines: 2,
      failedLinesUnpaid: 1,
    });

    const kinds = Object.fromEntries((r.alerts.rows as Json[]).map((a) => [a.kind, a]));
    expect(kinds.payment_in_suspense).toEqual({
      kind: 'payment_in_suspense',
      raised: 2,
      acknowledged: 0,
      resolved: 0,
      open: 2,
    });
    expect(kinds.settlement_failed).toEqual({
      kind: 'settlement_failed',
      raised: 2,
      acknowledged: 2,
      resolved: 1,
      open: 0,
    });
    expect(kinds.fake_qr).toEqual({ kind: 'fake_qr', raised: 0, acknowledged: 0, resolved: 0, open: 0 });
    expect(r.alerts.totals).toEqual({ raised: 4, acknowledged: 2, resolved: 1, open: 2 });
  });

  it('says what the dashboard says for the same month', async () => {
    const [report, adoption, payments, settlement] = await Promise.all([
      request(path),
      request(`/markets/${MARKET.id}/stats/adoption?period=month&date=2025-03-01`),
      request(`/markets/${MARKET.id}/stats/payments?period=month&date=2025-03-01`),
      request(`/markets/${MARKET.id}/stats/settlement?period=month&date=2025-03-01`),
    ]);
    const r = report.body.report as Json;
    const a = adoption.body.rows[0] as Json;
    for (const k of [
      'registered',
      'active',
      'withPrintedQr',
      'adoptionRate',
      'paymentCount',
      'paymentValue',
      'averageTicket',
    ])
      expect([k, r.current[k]]).toEqual([k, a[k]]);
    expect(r.payments.byDay).toEqual(
      (payments.body.rows as Json[]).map((d) => ({
        day: d.day,
        paymentCount: d.paymentCount,
        paymentValue: d.paymentValue,
      })),
    );
    expect(r.current.feesCollected).toBe(settlement.body.totals.paidFee);
    expect(r.current.chargesCollected).toBe(settlement.body.totals.paidCharges);
    expect(r.payouts.paidNet).toBe(settlement.body.totals.paidNet);
  });

  it('CSV: a BOM, one block per section with Vietnamese headers, whole đồng', async () => {
    for (const res of [await request(`${path}&format=csv`), await request(path, tokens.manager, 'text/csv')]) {
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/csv; charset=utf-8');
      expect(res.disposition).toBe('attachment; filename="bao-cao-thang-cho-phu-ly-2025-03.csv"');
      const rows = parseCsv(res.text);
      const find = (label: string, from = 0) => rows.find((r, i) => i >= from && r[0] === label);
      const index = (label: string) => rows.findIndex((r) => r[0] === label);
      expect(rows[0]).toEqual(['Báo cáo thanh toán QR tháng 03/2025']);
      expect(find('Chợ')).toEqual(['Chợ', 'Chợ Phủ Lý']);
      expect(find('Lập lúc')).toEqual(['Lập lúc', '02/04/2025 09:15 (giờ Việt Nam)']);
      // Each section: its title, a note, then the header row.
      for (const title of [
        '1. Mức độ sử dụng thanh toán QR',
        '2. Thanh toán qua QR',
        '3. Phí và các khoản thu',
        '4. Chi trả cho tiểu thương',
        '5. Cảnh báo',
      ])
        expect(index(title)).toBeGreaterThan(0);
      expect(rows[index('1. Mức độ sử dụng thanh toán QR') + 2]).toEqual([
        'Chỉ tiêu',
        'Đơn vị',
        'Tháng 03/2025',
        'Tháng 02/2025',
      ]);
      expect(find('Sạp đang hoạt động')).toEqual(['Sạp đang hoạt động', 'sạp', '4', '4']);
      expect(find('Tỷ lệ sạp hoạt động nhận QR trong tháng')).toEqual([
        'Tỷ lệ sạp hoạt động nhận QR trong tháng',
        'tỷ lệ',
        '0.75',
        '0.5',
      ]);
      expect(find('Số giao dịch')).toEqual(['Số giao dịch', 'giao dịch', '9', '3']);
      expect(find('Tổng tiền')).toEqual(['Tổng tiền', 'đồng', '785500', '350000']);
      expect(find('Phí dịch vụ đã thu')).toEqual(['Phí dịch vụ đã thu', 'đồng', '3000', '250']);
      expect(find('Các khoản thu của chợ (tiền thuê, vệ sinh…)')).toEqual([
        'Các khoản thu của chợ (tiền thuê, vệ sinh…)',
        'đồng',
        '20000',
        '5000',
      ]);
      expect(find('Tiền đã chuyển cho tiểu thương')).toEqual(['Tiền đã chuyển cho tiểu thương', 'đồng', '577000']);
      expect(find('Khoản thất bại chưa chi trả được')).toEqual(['Khoản thất bại chưa chi trả được', 'dòng', '1']);
      const weeks = index('2. Theo tuần');
      expect(rows[weeks + 1]).toEqual(['Tuần', 'Từ ngày', 'Đến ngày', 'Số giao dịch', 'Tổng tiền (đồng)']);
      expect(rows[weeks + 2]).toEqual(['Tuần 1', '01/03', '02/03', '3', '440000']);
      expect(find('Khu B – Hàng khô')).toEqual(['Khu B – Hàng khô', '3', '1', '2', '150000']);
      expect(find('Thịt')).toEqual(['Thịt', '2', '2', '3', '360000']);
      expect(find('31/03/2025')).toEqual(['31/03/2025', '1', '30000']);
      const alerts = index('5. Theo loại cảnh báo');
      expect(rows[alerts + 1]).toEqual(['Loại cảnh báo', 'Phát sinh', 'Đã nhận xử lý', 'Đã giải quyết', 'Còn mở']);
      expect(find('Chi trả cho tiểu thương thất bại', alerts)).toEqual([
        'Chi trả cho tiểu thương thất bại',
        '2',
        '2',
        '1',
        '0',
      ]);
      expect(find('Tiền chưa xác định được sạp', alerts)).toEqual(['Tiền chưa xác định được sạp', '2', '0', '0', '2']);
      expect(find('Tổng cộng', alerts)).toEqual(['Tổng cộng', '4', '2', '1', '2']);
    }
  });

  it('PDF: A4, fonts embedded, the Vietnamese text and the figures readable by pdf.js', async () => {
    for (const res of [await request(`${path}&format=pdf`), await request(path, tokens.manager, 'application/pdf')]) {
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/pdf');
      expect(res.disposition).toBe('inline; filename="bao-cao-thang-cho-phu-ly-2025-03.pdf"');
      expect(res.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(res.bytes.includes(Buffer.from('/FontFile2'))).toBe(true);
      const { pages, sizes } = await pdfText(res.bytes);
      for (const [w, h] of sizes) {
        expect(w).toBeCloseTo(595.28, 1);
        expect(h).toBeCloseTo(841.89, 1);
      }
      const text = pages.map((p) => p.join('\n')).join('\n');
      for (const expected of [
        'BAN QUẢN LÝ CHỢ PHỦ LÝ',
        'BÁO CÁO THANH TOÁN QR THÁNG 03/2025',
        'Chợ Phủ Lý',
        '02/04/2025 09:15 (giờ Việt Nam)',
        '1. Mức độ sử dụng thanh toán QR',
        'Tỷ lệ sạp hoạt động nhận QR trong tháng',
        '75,0 %',
        '50,0 %',
        '+25,0 điểm %',
        'Tổng tiền',
        '785.500 ₫',
        '350.000 ₫',
        '+435.500 ₫',
        '87.278 ₫',
        '8 giờ – 9 giờ',
        'Khu B – Hàng khô',
        'Rau củ quả tươi',
        'Phí dịch vụ đã thu',
        '3.000 ₫',
        '20.000 ₫',
        '577.000 ₫',
        'Chi trả cho tiểu thương thất bại',
        'Tiền chưa xác định được sạp',
        'TRƯỞNG BAN QUẢN LÝ CHỢ',
        'Phụ lục: thanh toán theo ngày – tháng 03/2025',
        '31/03/2025',
      ])
        expect([expected, text.includes(expected)]).toEqual([expected, true]);
      // The other market's payment never shows.
      expect(text).not.toContain('500.000 ₫');
      expect(pages[pages.length - 1]!.join(' ')).toContain(`Trang ${pages.length}/${pages.length}`);
    }
  });

  it('defaults to last month; the current month is the figures so far', async () => {
    const byDefault = await request(`/markets/${MARKET.id}/reports/monthly`);
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.report.month).toBe('2025-03');
    const april = await request(`/markets/${MARKET.id}/reports/monthly?month=2025-04`);
    expect(april.status).toBe(200);
    expect(april.body.report.period).toEqual({
      from: '2025-04-01',
      to: '2025-04-30',
      asOf: '2025-04-02',
      complete: false,
    });
    expect(april.body.report.current).toMatchObject({ paymentCount: 1, paymentValue: 10_000 });
  });
});

describe('refused', () => {
  it.each([
    ['2025-13', 'INSIGHTS.INVALID_MONTH'],
    ['2025-3', 'INSIGHTS.INVALID_MONTH'],
    ['march', 'INSIGHTS.INVALID_MONTH'],
    ['2025-05', 'INSIGHTS.MONTH_IN_FUTURE'],
    ['2026-01', 'INSIGHTS.MONTH_IN_FUTURE'],
  ])('month=%s: 400 %s', async (month, code) => {
    const res = await request(`/markets/${MARKET.id}/reports/monthly?month=${month}&format=pdf`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, details: { field: 'month' } });
  });

  it('an unknown format: 400 INSIGHTS.INVALID_FORMAT', async () => {
    const res = await request(`/markets/${MARKET.id}/reports/monthly?month=2025-03&format=xlsx`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INSIGHTS.INVALID_FORMAT');
  });

  it('another market’s manager and a vendor: 403; no token: 401; an admin may read it', async () => {
    for (const format of ['json', 'pdf', 'csv']) {
      const url = `/markets/${MARKET.id}/reports/monthly?month=2025-03&format=${format}`;
      const other = await request(url, tokens.other);
      expect(other.status).toBe(403);
      expect(other.body.error.code).toBe('AUTH.FORBIDDEN');
      expect((await request(url, tokens.vendor)).status).toBe(403);
      expect((await request(url, null)).status).toBe(401);
    }
    expect((await request(`/markets/${MARKET.id}/reports/monthly?month=2025-03`, tokens.admin)).status).toBe(200);
    const unknown = await request(`/markets/cho-khong-co/reports/monthly?month=2025-03`, tokens.admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('INSIGHTS.MARKET_NOT_FOUND');
  });
});
