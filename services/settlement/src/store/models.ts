import { Schema, type Connection, type Model } from 'mongoose';
import { outboxPlugin } from '@marketqr/messaging';
import type { CarryReason, LineState } from '../domain/line';

/**
 * settlement's own database. Who writes what (FerretDB 1.24 loses one of two concurrent updates of a document, so
 * every document has one writer at a time):
 * - `stalls`: the merchant-events handler of the stall's partition (one consumer per partition, in order).
 * - `contributions`, `credits`: inserted by the payment-events handlers, never updated by them; a unique `_id` per
 *   business fact makes a redelivered event a harmless duplicate. The cut-off (one closer per market, by the
 *   `cutoff_slots` insert) marks contributions with the batch that took them.
 * - `batches`, and `lines` when created or carried: the closer of the market. `lines` after creation: the payout
 *   worker (one replica, by `worker_leases`) while due; a person's re-issue only once the worker gave up on it.
 * - `fee_schedules`, `market_accounts`, `charge_plans` (admin/manager) and `charge_agreements` (the vendor): HTTP,
 *   serialized per document within a process.
 */

/** What settlement knows of a stall, from merchant events. */
export interface StallDoc {
  _id: string;
  marketId: string;
  marketName: string;
  stallCode: string;
  vendorName: string;
  status: string;
  payoutAccount: { bin: string; accountNumber: string; holderName: string | null };
  lastEventAt: Date;
  lastEventId: string;
}

export type ContributionKind = 'payment' | 'reversal' | 'reallocation_in' | 'reallocation_out';

/**
 * One effect of a payment event on one stall's money. `_id` is the business fact (`pay:<paymentId>`,
 * `rev:<reversalId>`, `rea:<reallocationId>:in|out`), so the same fact told twice (a redelivery, a flag followed by a
 * confirmation of the same payment) counts once.
 */
export interface ContributionDoc {
  _id: string;
  merchantId: string;
  marketId: string;
  businessDay: string;
  kind: ContributionKind;
  amount: number;
  count: number;
  paymentId: string;
  bankTransactionId: string;
  eventId: string;
  recordedAt: Date;
  /**
   * The batch whose line for this stall settled it; null until a cut-off takes it. The batch, not the line: one
   * update marks everything a market's cut-off took (updates are what FerretDB is slow at).
   */
  batchId: string | null;
}

/** A credit on the market's collection account as the payment events told us, for reconciliation. */
export interface CreditDoc {
  /** The bank's transaction id: one credit, however many events mention it. */
  _id: string;
  marketId: string;
  merchantId: string | null;
  paymentId: string;
  amount: number;
  /** The bank's booking day (Asia/Ho_Chi_Minh day of paidAt): what its statement is cut by. */
  bankDay: string;
  businessDay: string;
  paidAt: Date;
  creditedTo: 'stall' | 'suspense';
}

export interface PayoutAccount {
  bin: string;
  accountNumber: string;
  holderName: string;
}

export interface LinePayout {
  /** 1 for the first issue; a person's re-issue after a final failure increments it (and so the key). */
  epoch: number;
  key: string;
  description: string;
  sourceAccount: string | null;
  /** Requests that reached (or may have reached) the bank, over all epochs: what settlement.failed reports. */
  attempts: number;
  /** Failures of this epoch that count towards giving up (bank-down waits do not). */
  failures: number;
  /** Bank-down waits of this epoch, for the backoff. */
  waits: number;
  nextAttemptAt: Date | null;
  submittedAt: Date | null;
  lastError: { code: string; reasonCode: string; message: string; outcome: string | null; at: Date } | null;
  payoutId: string | null;
  transactionId: string | null;
  paidAt: Date | null;
  /** The bank's business day of the payout (its statement), for reconciliation. */
  bankDay: string | null;
}

export interface LineDoc {
  _id: string;
  merchantId: string;
  marketId: string;
  businessDay: string;
  batchId: string;
  stallCode: string;
  vendorName: string;
  state: LineState;
  carryReason: CarryReason | null;
  rolledInto: string | null;
  contributionIds: string[];
  day: { gross: number; count: number };
  adjustments: { amount: number; count: number };
  fee: {
    amount: number;
    base: number;
    schedule: {
      rateBps: number;
      minimumFee: number;
      maximumFee: number | null;
      exemptUpTo: number | null;
      version: number;
    };
  };
  charges: { amount: number; planVersion: number | null; items: { code: string; label: string; amount: number }[] };
  carriedIn: { gross: number; fee: number; charges: number; lineIds: string[] };
  settle: { gross: number; fee: number; charges: number; net: number };
  payoutAccount: PayoutAccount | null;
  payout: LinePayout | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface BatchDoc {
  _id: string;
  marketId: string;
  businessDay: string;
  cutoffAt: Date;
  state: 'closing' | 'open' | 'empty';
  trigger: 'scheduler' | 'admin';
  createdBy: string;
  lineIds: string[];
  payableCount: number;
  carriedCount: number;
  totalNet: number;
  createdAt: Date;
  closedAt: Date | null;
}

/**
 * Held while a market's day is being cut off: its insert is the cross-replica lock of that market's closer. The
 * closer refreshes `heartbeatAt` while it works, so only a dead closer's slot goes stale.
 */
export interface CutoffSlotDoc {
  _id: string;
  batchId: string;
  businessDay: string;
  owner: string;
  /** This holding of the slot: released and refreshed by it, so a successor's slot is never touched. */
  token: string;
  heartbeatAt: Date;
}

export interface FeeScheduleDoc {
  _id: string;
  rateBps: number;
  minimumFee: number;
  maximumFee: number | null;
  exemptUpTo: number | null;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

export interface MarketAccountDoc {
  _id: string;
  /** The market's collection account at the partner bank: credits land here, payouts leave from here. */
  collectionAccount: string;
  updatedBy: string;
  updatedAt: Date;
}

export interface ChargeItem {
  code: string;
  label: string;
  amount: number;
}

export interface ChargePlanDoc {
  _id: string;
  marketId: string;
  items: ChargeItem[];
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

/** The vendor's consent to have one version of its stall's charge plan netted from payouts. */
export interface ChargeAgreementDoc {
  _id: string;
  planVersion: number;
  agreed: boolean;
  by: string;
  at: Date;
}

const opts = { versionKey: false } as const;
const sub = (shape: Record<string, unknown>) => new Schema(shape, { _id: false });

const stallSchema = new Schema<StallDoc>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    marketName: { type: String, required: true },
    stallCode: { type: String, required: true },
    vendorName: { type: String, required: true },
    status: { type: String, required: true },
    payoutAccount: {
      type: sub({ bin: String, accountNumber: String, holderName: { type: String, default: null } }),
      required: true,
    },
    lastEventAt: { type: Date, required: true },
    lastEventId: { type: String, required: true },
  },
  opts,
);
stallSchema.index({ marketId: 1 });

const contributionSchema = new Schema<ContributionDoc>(
  {
    _id: { type: String, required: true },
    merchantId: { type: String, required: true },
    marketId: { type: String, required: true },
    businessDay: { type: String, required: true },
    kind: { type: String, required: true },
    amount: { type: Number, required: true },
    count: { type: Number, required: true },
    paymentId: { type: String, required: true },
    bankTransactionId: { type: String, required: true },
    eventId: { type: String, required: true },
    recordedAt: { type: Date, required: true },
    batchId: { type: String, default: null },
  },
  opts,
);
contributionSchema.index({ marketId: 1, batchId: 1, businessDay: 1 });
contributionSchema.index({ merchantId: 1 });

const creditSchema = new Schema<CreditDoc>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    merchantId: { type: String, default: null },
    paymentId: { type: String, required: true },
    amount: { type: Number, required: true },
    bankDay: { type: String, required: true },
    businessDay: { type: String, required: true },
    paidAt: { type: Date, required: true },
    creditedTo: { type: String, required: true },
  },
  opts,
);
creditSchema.index({ marketId: 1, bankDay: 1 });

const payoutAccountSchema = sub({ bin: String, accountNumber: String, holderName: String });

const lineSchema = new Schema<LineDoc>(
  {
    _id: { type: String, required: true },
    merchantId: { type: String, required: true },
    marketId: { type: String, required: true },
    businessDay: { type: String, required: true },
    batchId: { type: String, required: true },
    stallCode: { type: String, required: true },
    vendorName: { type: String, required: true },
    state: { type: String, required: true },
    carryReason: { type: String, default: null },
    rolledInto: { type: String, default: null },
    contributionIds: { type: [String], default: [] },
    day: { type: sub({ gross: Number, count: Number }), required: true },
    adjustments: { type: sub({ amount: Number, count: Number }), required: true },
    fee: {
      type: sub({
        amount: Number,
        base: Number,
        schedule: sub({
          rateBps: Number,
          minimumFee: Number,
          maximumFee: { type: Number, default: null },
          exemptUpTo: { type: Number, default: null },
          version: Number,
        }),
      }),
      required: true,
    },
    charges: {
      type: sub({
        amount: Number,
        planVersion: { type: Number, default: null },
        items: [sub({ code: String, label: String, amount: Number })],
      }),
      required: true,
    },
    carriedIn: { type: sub({ gross: Number, fee: Number, charges: Number, lineIds: [String] }), required: true },
    settle: { type: sub({ gross: Number, fee: Number, charges: Number, net: Number }), required: true },
    payoutAccount: { type: payoutAccountSchema, default: null },
    payout: {
      type: sub({
        epoch: Number,
        key: String,
        description: String,
        sourceAccount: { type: String, default: null },
        attempts: Number,
        failures: Number,
        waits: Number,
        nextAttemptAt: { type: Date, default: null },
        submittedAt: { type: Date, default: null },
        lastError: {
          type: sub({ code: String, reasonCode: String, message: String, outcome: String, at: Date }),
          default: null,
        },
        payoutId: { type: String, default: null },
        transactionId: { type: String, default: null },
        paidAt: { type: Date, default: null },
        bankDay: { type: String, default: null },
      }),
      default: null,
    },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  opts,
);
lineSchema.plugin(outboxPlugin);
// The second guard of "one line per stall per day", next to the derived _id.
lineSchema.index({ merchantId: 1, businessDay: 1 }, { unique: true });
lineSchema.index({ state: 1, 'payout.nextAttemptAt': 1 });
lineSchema.index({ marketId: 1, state: 1, businessDay: 1 });
lineSchema.index({ batchId: 1 });
lineSchema.index({ marketId: 1, 'payout.bankDay': 1 });

const batchSchema = new Schema<BatchDoc>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    businessDay: { type: String, required: true },
    cutoffAt: { type: Date, required: true },
    state: { type: String, required: true },
    trigger: { type: String, required: true },
    createdBy: { type: String, required: true },
    lineIds: { type: [String], default: [] },
    payableCount: { type: Number, default: 0 },
    carriedCount: { type: Number, default: 0 },
    totalNet: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
  },
  opts,
);
batchSchema.plugin(outboxPlugin);
batchSchema.index({ marketId: 1, businessDay: 1 }, { unique: true });
batchSchema.index({ state: 1 });

const slotSchema = new Schema<CutoffSlotDoc>(
  {
    _id: { type: String, required: true },
    batchId: { type: String, required: true },
    businessDay: { type: String, required: true },
    owner: { type: String, required: true },
    token: { type: String, required: true },
    heartbeatAt: { type: Date, required: true },
  },
  { ...opts, collection: 'cutoff_slots' },
);

const feeScheduleSchema = new Schema<FeeScheduleDoc>(
  {
    _id: { type: String, required: true },
    rateBps: { type: Number, required: true },
    minimumFee: { type: Number, required: true },
    maximumFee: { type: Number, default: null },
    exemptUpTo: { type: Number, default: null },
    version: { type: Number, required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  opts,
);

const marketAccountSchema = new Schema<MarketAccountDoc>(
  {
    _id: { type: String, required: true },
    collectionAccount: { type: String, required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  opts,
);

const chargePlanSchema = new Schema<ChargePlanDoc>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    items: { type: [sub({ code: String, label: String, amount: Number })], default: [] },
    version: { type: Number, required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  opts,
);

const chargeAgreementSchema = new Schema<ChargeAgreementDoc>(
  {
    _id: { type: String, required: true },
    planVersion: { type: Number, required: true },
    agreed: { type: Boolean, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  opts,
);

export interface Models {
  Stall: Model<StallDoc>;
  Contribution: Model<ContributionDoc>;
  Credit: Model<CreditDoc>;
  Line: Model<LineDoc>;
  Batch: Model<BatchDoc>;
  CutoffSlot: Model<CutoffSlotDoc>;
  FeeSchedule: Model<FeeScheduleDoc>;
  MarketAccount: Model<MarketAccountDoc>;
  ChargePlan: Model<ChargePlanDoc>;
  ChargeAgreement: Model<ChargeAgreementDoc>;
}

export function registerModels(db: Connection): Models {
  return {
    Stall: db.model<StallDoc>('Stall', stallSchema, 'stalls'),
    Contribution: db.model<ContributionDoc>('Contribution', contributionSchema, 'contributions'),
    Credit: db.model<CreditDoc>('Credit', creditSchema, 'credits'),
    Line: db.model<LineDoc>('Line', lineSchema, 'lines'),
    Batch: db.model<BatchDoc>('Batch', batchSchema, 'batches'),
    CutoffSlot: db.model<CutoffSlotDoc>('CutoffSlot', slotSchema, 'cutoff_slots'),
    FeeSchedule: db.model<FeeScheduleDoc>('FeeSchedule', feeScheduleSchema, 'fee_schedules'),
    MarketAccount: db.model<MarketAccountDoc>('MarketAccount', marketAccountSchema, 'market_accounts'),
    ChargePlan: db.model<ChargePlanDoc>('ChargePlan', chargePlanSchema, 'charge_plans'),
    ChargeAgreement: db.model<ChargeAgreementDoc>('ChargeAgreement', chargeAgreementSchema, 'charge_agreements'),
  };
}
