import { Schema, type Connection, type mongo } from 'mongoose';
import type { PaymentKind } from '../domain/stats';
import { unlessDuplicate } from '@marketqr/service-kit';

/**
 * market-insights' own database: read models built from every topic. FerretDB 1.24 loses updates when two writers
 * change one document at once, so every document here has ONE writer: the consumer of one stall's partition (stall
 * documents, per-stall-day counters) or of one market's partition (settlement batches, unmatched payments). Whatever
 * several partitions must record about one thing is an insert under a unique _id (a fact), never a shared counter;
 * market, zone, category and province figures are sums computed when they are asked for.
 */

/** A stall as merchant events describe it (writer: the stall's merchant-topic partition). */
export interface StallDoc {
  _id: string;
  marketId: string;
  marketName: string;
  zone: string;
  stallCode: string;
  category: string;
  vendorName: string;
  status: string;
  registeredAt: Date;
  registeredDay: string;
  statusHistory: { status: string; at: Date; day: string }[];
  /** occurredAt of the event the snapshot came from: an older event never overwrites a newer snapshot. */
  snapshotAt: Date;
  appliedEventIds?: string[];
}

/** A stall's printed QRs (writer: the stall's qr-topic partition). */
export interface StallQrDoc {
  _id: string;
  marketId: string;
  statics: { qrId: string; at: Date; day: string }[];
  revokedStatics: { qrId: string; at: Date; day: string }[];
  appliedEventIds?: string[];
}

/** Every QR's kind, to classify a payment that names a QR but echoes no order code. Insert-only. */
export interface QrKindDoc {
  _id: string;
  kind: PaymentKind;
  merchantId: string;
  marketId: string;
}

/**
 * One counted payment, keyed by paymentId: what guarantees a payment counts once even when several events report it
 * (payment.flagged to the stall, then payment.confirmed). Written by the partition of the stall it is credited to.
 */
export interface PaymentFactDoc {
  _id: string;
  merchantId: string;
  marketId: string;
  amount: number;
  day: string;
  hour: number | null;
  kind: PaymentKind;
  payerHash: string | null;
  countedAt: Date;
  reversalId?: string;
}

/** Counters of one stall for one day (writer: the stall's payment-topic partition). */
export interface StallDayDoc {
  _id: string;
  merchantId: string;
  marketId: string;
  day: string;
  count: number;
  value: number;
  dynamicCount: number;
  dynamicValue: number;
  staticCount: number;
  staticValue: number;
  payerCount: number;
  hours: Record<string, number>;
  hourValues: Record<string, number>;
  appliedEventIds?: string[];
}

/**
 * A correction to a stall's counters that its own partition cannot write: a payment reallocated away from it is
 * recorded by the receiving stall's partition as an insert here (keyed by the reallocation), added at query time.
 */
export interface AdjustmentDoc extends Omit<StallDayDoc, 'appliedEventIds'> {
  reallocationId: string;
  paymentId: string;
  toMerchantId: string;
  /** The moved payment itself, to add it to the receiving stall. */
  amount: number;
  hour: number | null;
  kind: PaymentKind;
  payerHash: string | null;
}

/** "This payer paid at this market on this day": an insert-only fact, the basis of new/returning payers. */
export interface PayerDayDoc {
  _id: string;
  marketId: string;
  payerHash: string;
  day: string;
}

/** A payment credited to the market's suspense account (unmatched). Writer: the market's payment partition. */
export interface SuspenseDoc {
  _id: string;
  marketId: string;
  merchantId: string | null;
  reason: string;
  amount: number;
  paidAt: Date;
  day: string;
  hour: number;
  kind: PaymentKind;
  payerHash: string | null;
  flaggedAt: Date;
}

/** How a flagged payment was settled by a person. Insert-only, so any partition may record it. */
export interface ResolutionDoc {
  _id: string;
  how: 'reallocated' | 'reversed' | 'confirmed';
  merchantId: string | null;
  at: Date;
}

/** Settlement outcomes of one stall for one business day (writer: the stall's settlement partition). */
export interface SettlementDayDoc {
  _id: string;
  merchantId: string;
  marketId: string;
  day: string;
  paidLines: number;
  paidGross: number;
  paidFee: number;
  paidCharges: number;
  paidNet: number;
  failedAttempts: number;
  /** Lines paid / failed at least once (absent on documents written before they were recorded). */
  paidLineIds?: string[];
  failedLineIds?: string[];
  appliedEventIds?: string[];
}

/** Payout batches of one market for one business day (writer: the market's settlement partition). */
export interface MarketSettlementDayDoc {
  _id: string;
  marketId: string;
  day: string;
  batches: number;
  batchedLines: number;
  batchedGross: number;
  batchedFee: number;
  batchedNet: number;
  appliedEventIds?: string[];
}

/** The stall's payable balance after its latest ledger entry (writer: the stall's ledger partition). */
export interface BalanceDoc {
  _id: string;
  marketId: string;
  balance: number;
  postedAt: Date;
}

export type AlertKind =
  | 'payments_stopped'
  | 'payment_in_suspense'
  | 'settlement_failed'
  | 'unknown_poster'
  /** A code copying one of the stall's posters (serial, or code and name) that pays another account. */
  | 'fake_qr'
  /** A shopper the genuine check warned reported the code to the management (qr.reported). */
  | 'qr_reported'
  /** A stall's account received money with another stall's order code: the shape of a fake QR. */
  | 'order_code_of_other_stall'
  /** Failed logins on one of the market's accounts past the attack threshold (merchant.login-attack). */
  | 'login_attack';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface AlertDoc {
  /** `al_` + a hash of `key`: raising the same condition twice inserts the same _id, which the index refuses. */
  _id: string;
  key: string;
  kind: AlertKind;
  severity: 'high' | 'medium';
  status: AlertStatus;
  marketId: string;
  merchantId: string | null;
  stallCode: string | null;
  zone: string | null;
  title: string;
  details: Record<string, unknown>;
  link: string;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
  /** Alerts raised by repeated sightings (a fake QR scanned again): how many, and when (absent on older alerts). */
  occurrences?: number;
  occurredAt?: Date[];
}

export interface Store {
  stalls: mongo.Collection<StallDoc>;
  stallQrs: mongo.Collection<StallQrDoc>;
  qrKinds: mongo.Collection<QrKindDoc>;
  paymentFacts: mongo.Collection<PaymentFactDoc>;
  stallDays: mongo.Collection<StallDayDoc>;
  adjustments: mongo.Collection<AdjustmentDoc>;
  payerDays: mongo.Collection<PayerDayDoc>;
  suspense: mongo.Collection<SuspenseDoc>;
  resolutions: mongo.Collection<ResolutionDoc>;
  settlementDays: mongo.Collection<SettlementDayDoc>;
  marketSettlementDays: mongo.Collection<MarketSettlementDayDoc>;
  balances: mongo.Collection<BalanceDoc>;
  alerts: mongo.Collection<AlertDoc>;
}

type IndexSpec = [Record<string, 1 | -1>, { unique?: boolean }?];

/**
 * The schemas only declare collections and indexes (created explicitly at start by @marketqr/mongo); reads and writes
 * go through the driver, because the read models are updated with operators (`$inc` on dotted paths, `$setOnInsert`)
 * and `applyOnce` bookkeeping that mongoose's casting would get in the way of.
 */
const COLLECTIONS: Record<keyof Store, { name: string; indexes: IndexSpec[] }> = {
  stalls: { name: 'stalls', indexes: [[{ marketId: 1, status: 1 }], [{ status: 1 }]] },
  stallQrs: { name: 'stall_qrs', indexes: [[{ marketId: 1 }]] },
  qrKinds: { name: 'qr_kinds', indexes: [] },
  paymentFacts: { name: 'payment_facts', indexes: [] },
  stallDays: { name: 'stall_days', indexes: [[{ marketId: 1, day: 1 }], [{ merchantId: 1, day: 1 }], [{ day: 1 }]] },
  adjustments: { name: 'stall_day_adjustments', indexes: [[{ marketId: 1, day: 1 }], [{ day: 1 }]] },
  payerDays: { name: 'payer_days', indexes: [[{ marketId: 1, day: 1 }], [{ payerHash: 1, day: 1 }], [{ day: 1 }]] },
  suspense: { name: 'suspense_payments', indexes: [[{ marketId: 1 }]] },
  resolutions: { name: 'payment_resolutions', indexes: [] },
  settlementDays: { name: 'settlement_days', indexes: [[{ marketId: 1, day: 1 }], [{ day: 1 }]] },
  marketSettlementDays: { name: 'market_settlement_days', indexes: [[{ marketId: 1, day: 1 }], [{ day: 1 }]] },
  balances: { name: 'stall_balances', indexes: [[{ marketId: 1 }]] },
  alerts: {
    name: 'alerts',
    indexes: [[{ marketId: 1, status: 1, raisedAt: -1 }], [{ kind: 1, status: 1 }], [{ status: 1, raisedAt: -1 }]],
  },
};

export function registerStore(db: Connection): Store {
  const out: Partial<Record<keyof Store, unknown>> = {};
  for (const [key, spec] of Object.entries(COLLECTIONS) as [keyof Store, (typeof COLLECTIONS)[keyof Store]][]) {
    const schema = new Schema({ _id: String }, { strict: false, versionKey: false, autoIndex: false });
    for (const [fields, options] of spec.indexes) schema.index(fields, options ?? {});
    const model = db.models[`Insights_${key}`] ?? db.model(`Insights_${key}`, schema, spec.name);
    out[key] = model.collection;
  }
  return out as Store;
}

/** Inserts a fact; an existing one with the same _id means it was recorded already. */
export function insertOnce<T extends { _id: string }>(col: mongo.Collection<T>, doc: T): Promise<boolean> {
  return unlessDuplicate(col.insertOne(doc as mongo.OptionalUnlessRequiredId<T>));
}
