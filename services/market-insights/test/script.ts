/**
 * A scripted market for the end-to-end test: the events market-insights consumes, and, computed from the same script
 * but independently of the service's code, the numbers its routes must answer. Nothing here imports src/.
 */
import {
  createEvent,
  ledgerEntryPostedV1,
  merchantActivatedV1,
  merchantRegisteredV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  merchantVerifiedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReallocatedV1,
  paymentReversedV1,
  qrIssuedV1,
  qrRevokedV1,
  settlementBatchCreatedV1,
  settlementFailedV1,
  settlementPaidV1,
  type KnownEvent,
} from '@marketqr/contracts';

export const TODAY = '2025-03-15';
const pad = (n: number) => String(n).padStart(2, '0');
export const at = (day: string, hour: number, minute = 0) => `${day}T${pad(hour)}:${pad(minute)}:00+07:00`;
export const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
export const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
};

export const NENH = { id: 'cho-nenh', name: 'Chợ Nếnh' };
export const KHAC = { id: 'cho-khac', name: 'Chợ Đồng Xuân' };

export interface StallSpec {
  id: string;
  market: { id: string; name: string };
  zone: string;
  category: string;
  code: string;
  registered: string;
  activated?: string;
  suspended?: string;
  /** A later merchant.updated moving the stall to another category. */
  recategorised?: { day: string; category: string };
  qrs: { id: string; issued: string; revoked?: string }[];
}

export const STALLS: StallSpec[] = [
  {
    id: 'st-01',
    market: NENH,
    zone: 'Khu A',
    category: 'fresh_produce',
    code: 'A-01',
    registered: '2025-02-20',
    activated: '2025-02-21',
    qrs: [{ id: 'qr-s-01', issued: '2025-02-21' }],
  },
  {
    id: 'st-02',
    market: NENH,
    zone: 'Khu A',
    category: 'fresh_produce',
    code: 'A-02',
    registered: '2025-02-20',
    activated: '2025-02-21',
    qrs: [{ id: 'qr-s-02', issued: '2025-02-21' }],
  },
  {
    id: 'st-03',
    market: NENH,
    zone: 'Khu A',
    category: 'meat',
    code: 'A-03',
    registered: '2025-02-21',
    activated: '2025-02-22',
    qrs: [
      { id: 'qr-s-03a', issued: '2025-02-22', revoked: '2025-03-05' },
      { id: 'qr-s-03b', issued: '2025-03-05' },
    ],
  },
  {
    id: 'st-04',
    market: NENH,
    zone: 'Khu A',
    category: 'seafood',
    code: 'A-04',
    registered: '2025-02-21',
    activated: '2025-02-22',
    qrs: [{ id: 'qr-s-04', issued: '2025-02-22', revoked: '2025-03-10' }],
  },
  {
    id: 'st-05',
    market: NENH,
    zone: 'Khu B – Thịt cá',
    category: 'meat',
    code: 'B-01',
    registered: '2025-02-22',
    activated: '2025-02-23',
    qrs: [{ id: 'qr-s-05', issued: '2025-02-23' }],
  },
  {
    id: 'st-06',
    market: NENH,
    zone: 'Khu B – Thịt cá',
    category: 'dry_goods',
    code: 'B-02',
    registered: '2025-02-22',
    activated: '2025-02-23',
    qrs: [{ id: 'qr-s-06', issued: '2025-02-23' }],
  },
  {
    id: 'st-07',
    market: NENH,
    zone: 'Khu B – Thịt cá',
    category: 'dry_goods',
    code: 'B-03',
    registered: '2025-03-11',
    activated: '2025-03-12',
    qrs: [{ id: 'qr-s-07', issued: '2025-03-12' }],
  },
  {
    id: 'st-08',
    market: NENH,
    zone: 'Khu B – Thịt cá',
    category: 'prepared_food',
    code: 'B-04',
    registered: '2025-02-24',
    activated: '2025-02-25',
    recategorised: { day: '2025-03-05', category: 'dry_goods' },
    qrs: [],
  },
  {
    id: 'st-09',
    market: NENH,
    zone: 'Khu B – Thịt cá',
    category: 'clothing',
    code: 'B-05',
    registered: '2025-03-01',
    qrs: [],
  },
  {
    id: 'st-10',
    market: NENH,
    zone: 'Khu A',
    category: 'clothing',
    code: 'A-05',
    registered: '2025-02-19',
    activated: '2025-02-20',
    suspended: '2025-03-10',
    qrs: [{ id: 'qr-s-10', issued: '2025-02-20' }],
  },
  {
    id: 'st-k1',
    market: KHAC,
    zone: 'Khu C',
    category: 'meat',
    code: 'C-01',
    registered: '2025-02-20',
    activated: '2025-02-21',
    qrs: [{ id: 'qr-s-k1', issued: '2025-02-21' }],
  },
];
const stallById = new Map(STALLS.map((s) => [s.id, s]));

/** Payers by identity, each with the spellings banks use for them. */
const PAYERS: Record<string, string[]> = {
  binh: ['TRAN VAN BINH', 'Trần Văn Bình'],
  // Spelled in ways that do not fold to one name, but always from one account: one payer.
  mai: ['NGUYEN THI MAI', 'NGUYEN T MAI'],
  nam: ['LE VAN NAM'],
  lan: ['PHAM THI LAN'],
  // Another shopper of the same name, paying from her own account: a second payer.
  lan2: ['PHAM THI LAN'],
  duc: ['HOANG VAN DUC'],
  huong: ['VU THI HUONG'],
  hung: ['DO VAN HUNG', 'Đỗ Văn Hùng'],
};

/** The ledger's keyed hash of the payer's account, for the payers whose bank names the account. */
const PAYER_ACCOUNTS: Record<string, string> = {
  mai: '1'.repeat(64),
  lan2: '2'.repeat(64),
};

/** A counted payment as the model sees it. */
export interface ModelPayment {
  id: string;
  stall: string;
  market: string;
  amount: number;
  day: string;
  hour: number;
  kind: 'dynamic' | 'static';
  payer: string | null;
}

type Kind = 'dynamic' | 'dynamic-qr-only' | 'static' | 'static-noqr';
interface ScriptedPayment {
  id: string;
  stall: string;
  paidAt: string;
  /** Local day and hour of paidAt, written by hand in the script (not computed by the code under test). */
  day: string;
  hour: number;
  amount: number;
  kind: Kind;
  payer: string | null;
  spelling: number;
  occurredAt?: string;
}

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCER = {
  merchant: 'merchant-onboarding',
  qr: 'qr-generation',
  payment: 'payment-ledger',
  settlement: 'settlement',
};

function snapshot(s: StallSpec, status: string, category = s.category) {
  return {
    merchantId: s.id,
    marketId: s.market.id,
    marketName: s.market.name,
    zone: s.zone,
    stallCode: s.code,
    category,
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

export interface Script {
  /** Merchant and QR events: the stalls exist before anything is paid to them. */
  phase1: KnownEvent[];
  /** Payments, suspense, settlement, ledger. */
  phase2: KnownEvent[];
  /** What depends on phase 2 having been handled: reallocations, a reversal, a confirmation of a flagged payment,
   *  a payout after a failure, and redeliveries of phase-2 events (same eventId). */
  phase3: KnownEvent[];
  /** Counted payments after everything (moves applied, the reversed one removed). */
  payments: ModelPayment[];
  /** Who paid where and when, including the reversed payment (a payer who was refunded still came). */
  payerFacts: { market: string; payer: string; day: string }[];
  distinctEventIds: number;
  /** A payment of st-01 to send later, when payments "resume" in the alert test. */
  resumePayment: () => KnownEvent;
}

export function buildScript(): Script {
  const rng = mulberry32(20250315);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const phase1: KnownEvent[] = [];
  const phase2: KnownEvent[] = [];
  const phase3: KnownEvent[] = [];

  for (const s of STALLS) {
    const m = (def: Parameters<typeof createEvent>[0], occurredAt: string, data: object) =>
      phase1.push(createEvent(def, { aggregateId: s.id, producer: PRODUCER.merchant, occurredAt, data }) as KnownEvent);
    m(merchantRegisteredV1, at(s.registered, 7), {
      ...snapshot(s, 'pending_verification'),
      registeredBy: { userId: `usr-${s.id}`, role: 'vendor' },
    });
    if (s.activated) {
      m(merchantVerifiedV1, at(s.activated, 7, 30), {
        ...snapshot(s, 'verified'),
        verification: { method: 'name_inquiry', holderName: `NGUOI BAN ${s.code}`, reference: `NI-${s.id}` },
      });
      m(merchantActivatedV1, at(s.activated, 8), {
        ...snapshot(s, 'active'),
        activatedBy: 'usr-manager',
        reactivation: false,
      });
    }
    if (s.recategorised) {
      m(merchantUpdatedV1, at(s.recategorised.day, 10), {
        ...snapshot(s, 'active', s.recategorised.category),
        changedFields: ['category'],
      });
    }
    if (s.suspended) {
      m(merchantSuspendedV1, at(s.suspended, 9), {
        ...snapshot(s, 'suspended', s.recategorised?.category),
        reasonCode: 'suspected_fake_qr',
        reason: 'Nghi mã QR giả dán đè',
        suspendedBy: 'usr-manager',
      });
    }
    for (const q of s.qrs) {
      phase1.push(
        createEvent(qrIssuedV1, {
          aggregateId: s.id,
          producer: PRODUCER.qr,
          occurredAt: at(q.issued, 8, 30),
          data: {
            qrId: q.id,
            merchantId: s.id,
            marketId: s.market.id,
            kind: 'static',
            stallCode: s.code,
            bin: '970418',
            accountNumber: '9000001',
            orderCode: null,
            amount: null,
            payload: `000201010211-static-${q.id}-6304ABCD`,
            expiresAt: null,
            posterSerial: `PS-${q.id}`,
          },
        }),
      );
      if (q.revoked) {
        phase1.push(
          createEvent(qrRevokedV1, {
            aggregateId: s.id,
            producer: PRODUCER.qr,
            occurredAt: at(q.revoked, 7),
            data: {
              qrId: q.id,
              merchantId: s.id,
              marketId: s.market.id,
              kind: 'static',
              orderCode: null,
              reasonCode: 'poster_replaced',
              reason: 'Thay poster',
            },
          }),
        );
      }
    }
  }
  // A dynamic QR of st-05: a payment naming it without echoing the order code is still a dynamic payment.
  phase1.push(
    createEvent(qrIssuedV1, {
      aggregateId: 'st-05',
      producer: PRODUCER.qr,
      occurredAt: at('2025-03-01', 6),
      data: {
        qrId: 'qr-d-05',
        merchantId: 'st-05',
        marketId: NENH.id,
        kind: 'dynamic',
        stallCode: 'B-01',
        bin: '970418',
        accountNumber: '9000001',
        orderCode: 'DH05X',
        amount: 25_000,
        payload: '000201010212-dynamic-qr-d-05-6304ABCD',
        expiresAt: at('2025-03-31', 23),
        posterSerial: null,
      },
    }),
  );

  // ---- payments ----
  const scripted: ScriptedPayment[] = [];
  let n = 0;
  const pay = (stall: string, day: string, hour: number, over: Partial<ScriptedPayment> = {}) => {
    const payerIds = Object.keys(PAYERS);
    const r = rng();
    const kind: Kind = r < 0.3 ? 'dynamic' : r < 0.4 ? 'static-noqr' : 'static';
    const minute = int(0, 59);
    const p: ScriptedPayment = {
      id: `pay-${String(++n).padStart(4, '0')}`,
      stall,
      paidAt: at(day, hour, minute),
      day,
      hour,
      amount: int(5, 300) * 1000 + (rng() < 0.15 ? 345 : 0),
      kind,
      payer: rng() < 0.2 ? null : payerIds[int(0, payerIds.length - 1)]!,
      spelling: int(0, 1),
      ...over,
    };
    scripted.push(p);
    return p;
  };
  for (const day of days('2025-03-01', '2025-03-14')) {
    for (const h of [6, 7, 8, 9]) pay('st-01', day, h);
    for (const h of [6, 7, 8, 9]) pay('st-02', day, h);
  }
  pay('st-01', TODAY, 6);
  for (const h of [6, 8, 9]) pay('st-02', TODAY, h);
  for (const day of days('2025-03-01', TODAY)) {
    const random = (stall: string) => {
      if (rng() < 0.45) return;
      for (let i = int(1, 3); i > 0; i--) pay(stall, day, int(5, 18));
    };
    random('st-03');
    random('st-04');
    random('st-05');
    if (day <= '2025-03-05') random('st-06');
    if (day >= '2025-03-13') random('st-07');
    if (day < '2025-03-10') random('st-10');
  }
  for (const day of ['2025-03-14', TODAY]) {
    pay('st-k1', day, 9, { payer: 'binh' });
    pay('st-k1', day, 16, { payer: 'mai' });
  }
  // Edge cases written out.
  pay('st-05', '2025-03-03', 10, { id: 'pay-dynqr-1', kind: 'dynamic-qr-only' });
  pay('st-05', '2025-03-08', 15, { id: 'pay-dynqr-2', kind: 'dynamic-qr-only', payer: 'hung', spelling: 1 });
  // Paid at 00:30 in Hà Nội on the 14th, reported in UTC (still the 13th there).
  pay('st-03', '2025-03-14', 0, { id: 'pay-utc', paidAt: '2025-03-13T17:30:00Z', kind: 'static' });
  // Announced the next morning: the bucket is still the day it was paid.
  pay('st-01', '2025-03-10', 9, { id: 'pay-late-event', occurredAt: at('2025-03-11', 8) });
  pay('st-05', '2025-03-12', 11, { id: 'pay-move-1', kind: 'static', payer: 'lan', amount: 66_000 });

  const paymentEvent = (p: ScriptedPayment) => {
    const s = stallById.get(p.stall)!;
    const dynamic = p.kind === 'dynamic';
    return createEvent(paymentConfirmedV1, {
      aggregateId: p.stall,
      producer: PRODUCER.payment,
      occurredAt: p.occurredAt ?? p.paidAt,
      data: {
        paymentId: p.id,
        merchantId: p.stall,
        marketId: s.market.id,
        stallCode: s.code,
        amount: p.amount,
        currency: 'VND',
        bankTransactionId: `FT-${p.id}`,
        qrId: dynamic
          ? `qr-dyn-${p.id}`
          : p.kind === 'dynamic-qr-only'
            ? 'qr-d-05'
            : p.kind === 'static'
              ? (s.qrs[0]?.id ?? null)
              : null,
        orderCode: dynamic ? `DH${p.id.slice(-4)}` : null,
        expectedAmount: dynamic ? p.amount : null,
        payerName: p.payer ? PAYERS[p.payer]![p.spelling % PAYERS[p.payer]!.length]! : null,
        ...(p.payer && PAYER_ACCOUNTS[p.payer] ? { payerAccountHash: PAYER_ACCOUNTS[p.payer] } : {}),
        description: `${dynamic ? `DH${p.id.slice(-4)} ` : ''}thanh toan ${s.code}`,
        paidAt: p.paidAt,
        businessDay: p.day,
      },
    }) as KnownEvent;
  };
  const byPaymentId = new Map<string, KnownEvent>();
  for (const p of scripted) {
    const e = paymentEvent(p);
    byPaymentId.set(p.id, e);
    phase2.push(e);
  }

  // Underpaid to a stall (credited to it), then confirmed by a manager: one payment, counted once.
  const flaggedData = {
    paymentId: 'pay-flag-1',
    merchantId: 'st-04',
    marketId: NENH.id,
    amount: 40_000,
    currency: 'VND' as const,
    bankTransactionId: 'FT-flag-1',
    qrId: 'qr-dyn-flag-1',
    orderCode: 'DHF1',
    expectedAmount: 45_000,
    payerName: 'PHAM THI LAN',
    description: 'DHF1 mua ca',
    paidAt: at('2025-03-12', 10, 15),
    businessDay: '2025-03-12',
  };
  phase2.push(
    createEvent(paymentFlaggedV1, {
      aggregateId: 'st-04',
      producer: PRODUCER.payment,
      data: { ...flaggedData, reason: 'underpaid', creditedTo: 'stall' },
    }),
  );
  phase3.push(
    createEvent(paymentConfirmedV1, {
      aggregateId: 'st-04',
      producer: PRODUCER.payment,
      data: { ...flaggedData, stallCode: 'A-04', expectedAmount: 40_000 },
    }),
  );

  // Unmatched payments held in the market's suspense account.
  const suspense = (id: string, paidAt: string, amount: number, payerName: string | null) =>
    createEvent(paymentFlaggedV1, {
      aggregateId: NENH.id,
      producer: PRODUCER.payment,
      occurredAt: paidAt,
      data: {
        paymentId: id,
        merchantId: null,
        marketId: NENH.id,
        amount,
        currency: 'VND',
        bankTransactionId: `FT-${id}`,
        qrId: null,
        orderCode: null,
        expectedAmount: null,
        payerName,
        description: 'chuyen tien',
        paidAt,
        businessDay: paidAt.slice(0, 10),
        reason: 'unmatched',
        creditedTo: 'suspense',
      },
    });
  phase2.push(suspense('pay-susp-1', at('2025-03-14', 10, 20), 55_000, 'LE VAN NAM'));
  phase2.push(suspense('pay-susp-2', at(TODAY, 9, 5), 30_000, null));
  phase3.push(
    createEvent(paymentReallocatedV1, {
      aggregateId: 'st-06',
      producer: PRODUCER.payment,
      data: {
        paymentId: 'pay-susp-1',
        reallocationId: 'realloc-susp-1',
        fromMerchantId: null,
        toMerchantId: 'st-06',
        marketId: NENH.id,
        amount: 55_000,
        currency: 'VND',
        bankTransactionId: 'FT-pay-susp-1',
        reallocatedBy: 'usr-manager',
        reason: 'Khách xác nhận trả cho sạp B-02',
        businessDay: TODAY,
      },
    }),
  );
  // Misdirected: scanned the neighbour's QR.
  phase3.push(
    createEvent(paymentReallocatedV1, {
      aggregateId: 'st-03',
      producer: PRODUCER.payment,
      data: {
        paymentId: 'pay-move-1',
        reallocationId: 'realloc-move-1',
        fromMerchantId: 'st-05',
        toMerchantId: 'st-03',
        marketId: NENH.id,
        amount: 66_000,
        currency: 'VND',
        bankTransactionId: 'FT-pay-move-1',
        reallocatedBy: 'usr-manager',
        reason: 'Khách quét nhầm mã sạp bên cạnh',
        businessDay: TODAY,
      },
    }),
  );
  // Reversed: the bank recalled one of st-02's payments of the 14th.
  const reversed = scripted.find((p) => p.stall === 'st-02' && p.day === '2025-03-14' && p.hour === 7)!;
  phase3.push(
    createEvent(paymentReversedV1, {
      aggregateId: 'st-02',
      producer: PRODUCER.payment,
      data: {
        paymentId: reversed.id,
        reversalId: `rev-${reversed.id}`,
        merchantId: 'st-02',
        marketId: NENH.id,
        amount: reversed.amount,
        currency: 'VND',
        bankTransactionId: `FT-${reversed.id}`,
        reasonCode: 'bank_recall',
        reason: 'Ngân hàng thu hồi',
        businessDay: TODAY,
        originalBusinessDay: '2025-03-14',
      },
    }),
  );

  // ---- settlement and ledger ----
  const account = (id: string) => ({
    bin: '970436',
    accountNumber: `00${id.replace(/\D/g, '')}11`,
    holderName: `NGUOI BAN ${id}`,
  });
  const line = (merchantId: string, gross: number, fee: number) => ({
    settlementLineId: `sl-${merchantId}-0314`,
    merchantId,
    grossAmount: gross,
    feeAmount: fee,
    netAmount: gross - fee,
    payoutAccount: account(merchantId),
  });
  const nenhLines = [
    line('st-01', 500_000, 2_500),
    line('st-02', 300_000, 1_500),
    line('st-05', 200_000, 1_000),
    line('st-06', 100_000, 500),
  ];
  const batch = (marketId: string, lines: ReturnType<typeof line>[]) =>
    createEvent(settlementBatchCreatedV1, {
      aggregateId: marketId,
      producer: PRODUCER.settlement,
      occurredAt: at('2025-03-14', 22, 0),
      data: {
        batchId: `batch-${marketId}-0314`,
        marketId,
        businessDay: '2025-03-14',
        cutoffAt: at('2025-03-14', 22),
        lines,
        lineCount: lines.length,
        totalNetAmount: lines.reduce((s, l) => s + l.netAmount, 0),
      },
    });
  phase2.push(batch(NENH.id, nenhLines));
  phase2.push(batch(KHAC.id, [line('st-k1', 150_000, 750)]));
  const paid = (marketId: string, l: ReturnType<typeof line>, charges = 0) =>
    createEvent(settlementPaidV1, {
      aggregateId: l.merchantId,
      producer: PRODUCER.settlement,
      data: {
        settlementLineId: l.settlementLineId,
        batchId: `batch-${marketId}-0314`,
        merchantId: l.merchantId,
        marketId,
        businessDay: '2025-03-14',
        netAmount: l.netAmount - charges,
        grossAmount: l.grossAmount,
        feeAmount: l.feeAmount,
        chargesAmount: charges,
        currency: 'VND',
        payoutAccount: l.payoutAccount,
        bankReference: `BR-${l.settlementLineId}`,
        paidAt: at(TODAY, 1, 30),
      },
    });
  const failed = (l: ReturnType<typeof line>, retryable: boolean, attempt: number, reasonCode: string) =>
    createEvent(settlementFailedV1, {
      aggregateId: l.merchantId,
      producer: PRODUCER.settlement,
      occurredAt: at(TODAY, 1, attempt),
      data: {
        settlementLineId: l.settlementLineId,
        batchId: `batch-${NENH.id}-0314`,
        merchantId: l.merchantId,
        marketId: NENH.id,
        businessDay: '2025-03-14',
        netAmount: l.netAmount,
        currency: 'VND',
        payoutAccount: l.payoutAccount,
        reasonCode,
        reason: reasonCode === 'timeout' ? 'Ngân hàng không trả lời' : 'Tài khoản nhận có vấn đề',
        retryable,
        nextAttemptAt: retryable ? at(TODAY, 2) : null,
        attempt,
      },
    });
  phase2.push(paid(NENH.id, nenhLines[0]!));
  phase2.push(failed(nenhLines[1]!, true, 1, 'timeout'));
  phase2.push(paid(NENH.id, nenhLines[1]!, 20_000));
  phase2.push(failed(nenhLines[2]!, false, 1, 'name_mismatch'));
  phase2.push(failed(nenhLines[3]!, false, 1, 'account_closed'));
  phase2.push(paid(KHAC.id, line('st-k1', 150_000, 750)));
  phase3.push(paid(NENH.id, nenhLines[2]!));

  const entry = (merchantId: string, balance: number, postedAt: string, id: string) =>
    createEvent(ledgerEntryPostedV1, {
      aggregateId: merchantId,
      producer: PRODUCER.payment,
      data: {
        entryId: id,
        merchantId,
        marketId: NENH.id,
        businessDay: postedAt.slice(0, 10),
        kind: 'payment',
        reference: { type: 'payment', id },
        lines: [
          { account: `collection:${NENH.id}`, debit: 1000, credit: 0 },
          { account: `payable:${merchantId}`, debit: 0, credit: 1000 },
        ],
        merchantBalanceAfter: balance,
        postedAt,
      },
    });
  phase2.push(entry('st-01', 120_000, at(TODAY, 6, 10), 'je-1'));
  // Replayed late, older than what is already known: must not move the balance back.
  phase2.push(entry('st-01', 50_000, at('2025-03-14', 9), 'je-0'));
  phase2.push(entry('st-02', 80_000, at(TODAY, 6, 20), 'je-2'));

  // Redeliveries: the same envelopes again.
  for (const id of ['pay-0001', 'pay-0002', 'pay-0100', 'pay-move-1', 'pay-utc', 'pay-dynqr-1'])
    phase3.push(byPaymentId.get(id)!);
  phase3.push(phase2.find((e) => e.type === 'settlement.batch-created')!);
  phase3.push(phase2.find((e) => e.type === 'payment.flagged')!);

  // ---- the model ----
  const kindOf = (k: Kind): 'dynamic' | 'static' => (k === 'dynamic' || k === 'dynamic-qr-only' ? 'dynamic' : 'static');
  const counted: ModelPayment[] = scripted.map((p) => ({
    id: p.id,
    stall: p.stall,
    market: stallById.get(p.stall)!.market.id,
    amount: p.amount,
    day: p.day,
    hour: p.hour,
    kind: kindOf(p.kind),
    payer: p.payer,
  }));
  counted.push({
    id: 'pay-flag-1',
    stall: 'st-04',
    market: NENH.id,
    amount: 40_000,
    day: '2025-03-12',
    hour: 10,
    kind: 'dynamic',
    payer: 'lan',
  });
  counted.push({
    id: 'pay-susp-1',
    stall: 'st-06',
    market: NENH.id,
    amount: 55_000,
    day: '2025-03-14',
    hour: 10,
    kind: 'static',
    payer: 'nam',
  });
  counted.find((p) => p.id === 'pay-move-1')!.stall = 'st-03';
  const payerFacts = counted.filter((p) => p.payer).map((p) => ({ market: p.market, payer: p.payer!, day: p.day }));
  const payments = counted.filter((p) => p.id !== reversed.id);

  const ids = new Set([...phase1, ...phase2, ...phase3].map((e) => e.eventId));
  return {
    phase1,
    phase2,
    phase3,
    payments,
    payerFacts,
    distinctEventIds: ids.size,
    resumePayment: () =>
      paymentEvent({
        id: 'pay-resume',
        stall: 'st-01',
        paidAt: at(TODAY, 10, 40),
        day: TODAY,
        hour: 10,
        amount: 20_000,
        kind: 'static',
        payer: 'mai',
        spelling: 0,
      }),
  };
}

// ---- expected numbers, from the model ----

const round4 = (n: number, d: number) => (d > 0 ? Math.round((n * 10_000) / d) / 10_000 : null);

export function statusAt(s: StallSpec, day: string): string | null {
  const timeline: [string, string][] = [[s.registered, 'pending_verification']];
  if (s.activated) timeline.push([s.activated, 'verified'], [s.activated, 'active']);
  if (s.suspended) timeline.push([s.suspended, 'suspended']);
  let status: string | null = null;
  for (const [d, st] of timeline) if (d <= day) status = st;
  return status;
}

export const categoryOf = (s: StallSpec) => s.recategorised?.category ?? s.category;

export function paymentCols(ps: ModelPayment[]) {
  const count = ps.length;
  const value = ps.reduce((a, p) => a + p.amount, 0);
  const dyn = ps.filter((p) => p.kind === 'dynamic');
  const sta = ps.filter((p) => p.kind === 'static');
  return {
    paymentCount: count,
    paymentValue: value,
    averageTicket: count ? Math.round(value / count) : null,
    dynamicCount: dyn.length,
    dynamicValue: dyn.reduce((a, p) => a + p.amount, 0),
    staticCount: sta.length,
    staticValue: sta.reduce((a, p) => a + p.amount, 0),
    dynamicShare: round4(dyn.length, count),
  };
}

/** Stall counts are as of the period's last day, or of today when the period ends later. */
const asOf = (to: string) => (to > TODAY ? TODAY : to);

export function adoptionExpected(stalls: StallSpec[], payments: ModelPayment[], from: string, periodTo: string) {
  const to = asOf(periodTo);
  const reg = stalls.filter((s) => s.registered <= to);
  const paid = (s: StallSpec, since: string) => payments.some((p) => p.stall === s.id && p.day >= since && p.day <= to);
  const active = reg.filter((s) => statusAt(s, to) === 'active');
  const with7 = reg.filter((s) => paid(s, addDays(to, -6)));
  const with30 = reg.filter((s) => paid(s, addDays(to, -29)));
  const isActive = (s: StallSpec) => statusAt(s, to) === 'active';
  const ids = new Set(stalls.map((s) => s.id));
  return {
    registered: reg.length,
    active: active.length,
    withPrintedQr: reg.filter((s) => s.qrs.some((q) => q.issued <= to && !(q.revoked && q.revoked <= to))).length,
    withPayment7d: with7.length,
    withPayment30d: with30.length,
    activeWithPayment7d: with7.filter(isActive).length,
    activeWithPayment30d: with30.filter(isActive).length,
    adoptionRate: round4(with7.filter(isActive).length, active.length),
    ...paymentCols(payments.filter((p) => ids.has(p.stall) && p.day >= from && p.day <= periodTo)),
  };
}

export function paymentsSeries(payments: ModelPayment[], from: string, to: string) {
  return days(from, to).map((day) => ({ day, ...paymentCols(payments.filter((p) => p.day === day)) }));
}

export function hoursExpected(payments: ModelPayment[], from: string, to: string) {
  const ps = payments.filter((p) => p.day >= from && p.day <= to);
  return Array.from({ length: 24 }, (_, hour) => {
    const h = ps.filter((p) => p.hour === hour);
    return { hour, paymentCount: h.length, paymentValue: h.reduce((a, p) => a + p.amount, 0) };
  });
}

export function payersExpected(
  facts: { payer: string; day: string }[],
  payments: ModelPayment[],
  from: string,
  to: string,
) {
  const first = new Map<string, string>();
  for (const f of facts) if (!first.has(f.payer) || f.day < first.get(f.payer)!) first.set(f.payer, f.day);
  const rows = days(from, to).map((day) => {
    const on = new Set(facts.filter((f) => f.day === day).map((f) => f.payer));
    const fresh = [...on].filter((p) => first.get(p) === day).length;
    const ps = payments.filter((p) => p.day === day);
    const withPayer = ps.filter((p) => p.payer).length;
    return {
      day,
      payers: on.size,
      newPayers: fresh,
      returningPayers: on.size - fresh,
      paymentsWithPayer: withPayer,
      paymentsWithoutPayer: ps.length - withPayer,
    };
  });
  const inRange = new Set(facts.filter((f) => f.day >= from && f.day <= to).map((f) => f.payer));
  const fresh = [...inRange].filter((p) => first.get(p)! >= from).length;
  const ps = payments.filter((p) => p.day >= from && p.day <= to);
  const withPayer = ps.filter((p) => p.payer).length;
  return {
    rows,
    totals: {
      payers: inRange.size,
      newPayers: fresh,
      returningPayers: inRange.size - fresh,
      paymentsWithPayer: withPayer,
      paymentsWithoutPayer: ps.length - withPayer,
    },
  };
}

export function stallsExpected(stalls: StallSpec[], payments: ModelPayment[], from: string, periodTo: string) {
  const to = asOf(periodTo);
  return stalls
    .filter((s) => s.registered <= to)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((s) => {
      const mine = payments.filter((p) => p.stall === s.id && p.day <= periodTo);
      const since = (d: string) => mine.some((p) => p.day >= d && p.day <= to);
      const last =
        mine
          .filter((p) => p.day >= addDays(to, -29) && p.day <= to)
          .map((p) => p.day)
          .sort()
          .pop() ?? null;
      return {
        merchantId: s.id,
        stallCode: s.code,
        vendorName: `Tiểu thương ${s.code}`,
        zone: s.zone,
        category: categoryOf(s),
        status: statusAt(s, to),
        registeredDay: s.registered,
        hasPrintedQr: s.qrs.some((q) => q.issued <= to && !(q.revoked && q.revoked <= to)),
        paidIn7d: since(addDays(to, -6)),
        paidIn30d: since(addDays(to, -29)),
        lastPaymentDay: last,
        ...paymentCols(mine.filter((p) => p.day >= from)),
      };
    });
}
