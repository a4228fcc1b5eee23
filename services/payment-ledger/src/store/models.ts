import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { outboxPlugin } from '@marketqr/messaging';
import type { Provider } from '../config';
import type { Notification } from '../domain/notification';
import type { EntryMetaOf } from '../ledger/entry-meta';

/**
 * payment-ledger's own database. The shapes follow what FerretDB 1.24 does well (see infra/local/README.md and the
 * README's "Storage"): the big collections (inbox, entries, postings) are only ever inserted into, never updated; what
 * changes lives in small collections (the work queue, pending markers, QR claims) or is written by one writer.
 */

// ---- the inbox ------------------------------------------------------------------------------------------------------

/** A notification exactly as received: immutable, the audit record. `_id` is the payment id. */
export interface InboxRecord {
  _id: string;
  provider: Provider;
  providerTxId: string;
  notification: Notification;
  /** The body as it arrived, byte for byte (utf-8), and the signature headers that vouched for it. */
  rawBody: string;
  signature: Record<string, string>;
  receivedAt: Date;
  /** Set at storage for notifications that are recorded but never posted. */
  flag: 'ignored_outgoing' | null;
  /** SHA-256 of the notification's canonical content: a resend under the same id must carry the same. */
  contentHash?: string;
}

/**
 * A resend under a stored notification's (provider, id) whose content differs: the first one stands and was posted;
 * this is kept for the people who must find out why (a confused provider, or someone replaying with edits).
 */
export interface ModifiedResend {
  /** `<paymentId>:<contentHash of the resend>`: the same modified resend delivered again is recorded once. */
  _id: string;
  paymentId: string;
  provider: Provider;
  providerTxId: string;
  storedHash: string;
  resendHash: string;
  /** What changed, field by field (the stored value and the resent one). */
  differences: { field: string; stored: unknown; resent: unknown }[];
  rawBody: string;
  receivedAt: Date;
}

/** Work left on a notification: present from storage until its entry is posted. */
export interface WorkItem {
  _id: string;
  notification: Notification;
  receivedAt: Date;
  state: 'received' | 'held';
  nextAttemptAt: Date;
  attempts: number;
  /** While held: until when we wait for the QR or stall that the notification names. */
  holdUntil: Date | null;
  refs: { orderCodes: string[]; virtualAccount: string | null };
  lastError: string | null;
}

// ---- the journal ----------------------------------------------------------------------------------------------------

export type EntryKind = 'payment' | 'reversal' | 'reallocation' | 'payout' | 'fee' | 'adjustment';

export interface EntryPosting {
  account: string;
  /** Debit positive, credit negative, integer đồng. */
  amount: number;
}

/** What every journal entry has, whatever its kind. */
interface JournalEntryBase {
  _id: string;
  reference: { type: string; id: string };
  paymentId: string | null;
  marketId: string | null;
  /** The stall the entry is about (the key of its ledger.entry-posted event), null for market-only entries. */
  merchantId: string | null;
  businessDay: string;
  postedAt: Date;
  description: string;
  postings: EntryPosting[];
  /** sha256 of the canonical JSON of everything above and the meta: what `verify` recomputes. */
  hash: string;
}

/**
 * A journal entry: immutable once inserted, idempotent by its `_id`, the source key (`payment:<paymentId>`,
 * `payment:<paymentId>#<n>` for the n-th correction, `payout:<settlementLineId>:<leg>`). Its `meta` is typed by its
 * kind (entry-meta.ts): narrowing on `kind` gives the meta's fields.
 */
export type JournalEntry = { [K in EntryKind]: JournalEntryBase & { kind: K; meta: EntryMetaOf[K] } }[EntryKind];
export type EntryOfKind<K extends EntryKind> = Extract<JournalEntry, { kind: K }>;
/** A reversal or a reallocation: the corrections of a payment. */
export type CorrectionEntry = EntryOfKind<'reversal' | 'reallocation'>;

/** What a live stream and a statement show about a payment credited to a stall. */
export interface PostingMemo {
  paymentId: string;
  outcome: string;
  amount: number;
  description: string;
  payerName: string | null;
  paidAt: string;
  orderCode: string | null;
  qrId: string | null;
  expectedAmount: number | null;
}

/**
 * One line of one account's chain: `_id` = `<account>#<seq>`, seq 1, 2, 3 … without gaps. The unique `_id` is what
 * makes the chain single-writer across replicas: two writers cannot both append seq n. The unique
 * (account, entryId) index is what makes appending an entry idempotent.
 */
export interface Posting {
  _id: string;
  account: string;
  seq: number;
  entryId: string;
  kind: EntryKind;
  amount: number;
  /** The account's balance after this posting: written by the one writer that won this seq. */
  balanceAfter: number;
  businessDay: string;
  postedAt: Date;
  memo: PostingMemo | null;
  /** Hash of the previous posting of this account (GENESIS_HASH for seq 1), and of this one over it. */
  prevHash: string;
  hash: string;
  outboxWriteIds?: string[];
}

/** An entry whose postings are being written: removed when done; a leftover one is completed by the sweeper. */
export interface PendingEntry {
  _id: string;
  at: Date;
}

// ---- projections of other services' events -------------------------------------------------------------------------

export interface StallView {
  _id: string;
  marketId: string;
  stallCode: string;
  vendorName: string;
  virtualAccount: { bin: string; accountNumber: string } | null;
  status: 'pending_verification' | 'verified' | 'active' | 'suspended';
  lastEventAt: Date;
  updatedAt: Date;
}

export interface QrView {
  _id: string;
  merchantId: string;
  marketId: string;
  kind: 'static' | 'dynamic';
  stallCode: string;
  accountNumber: string;
  /** Upper-case, as matched. */
  orderCode: string | null;
  amount: number | null;
  expiresAt: Date | null;
  status: 'issued' | 'revoked' | 'expired';
  updatedAt: Date;
}

/** The first payment of a dynamic QR claims it (unique `_id` = qrId); any later one is an overpayment. */
export interface QrClaim {
  _id: string;
  paymentId: string;
  at: Date;
}

/** Collection accounts learned from payments matched by virtual account (the config list comes first). */
export interface CollectionAccount {
  _id: string;
  marketId: string;
  learnedFrom: string;
  at: Date;
}

// ---- schemas --------------------------------------------------------------------------------------------------------

const options = { versionKey: false as const, minimize: false };
const { Mixed } = Schema.Types;

const inboxSchema = new Schema<InboxRecord>(
  {
    _id: { type: String, required: true },
    provider: { type: String, required: true },
    providerTxId: { type: String, required: true },
    notification: { type: Mixed, required: true },
    rawBody: { type: String, required: true },
    signature: { type: Mixed, required: true },
    receivedAt: { type: Date, required: true },
    flag: { type: String, default: null },
    contentHash: { type: String },
  },
  options,
);
// The deduplication key: of many concurrent deliveries of one notification exactly one insert wins.
inboxSchema.index({ provider: 1, providerTxId: 1 }, { unique: true });
inboxSchema.index({ receivedAt: 1 });

const workSchema = new Schema<WorkItem>(
  {
    _id: { type: String, required: true },
    notification: { type: Mixed, required: true },
    receivedAt: { type: Date, required: true },
    state: { type: String, required: true },
    nextAttemptAt: { type: Date, required: true },
    attempts: { type: Number, required: true },
    holdUntil: { type: Date, default: null },
    refs: { type: Mixed, required: true },
    lastError: { type: String, default: null },
  },
  options,
);
workSchema.index({ nextAttemptAt: 1 });

const entrySchema = new Schema<JournalEntry>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    reference: { type: Mixed, required: true },
    paymentId: { type: String, default: null },
    marketId: { type: String, default: null },
    merchantId: { type: String, default: null },
    businessDay: { type: String, required: true },
    postedAt: { type: Date, required: true },
    description: { type: String, default: '' },
    postings: { type: Mixed, required: true },
    meta: { type: Mixed, required: true },
    hash: { type: String, required: true },
  },
  options,
);
entrySchema.index({ paymentId: 1 });
entrySchema.index({ marketId: 1, kind: 1, postedAt: -1 });

const postingSchema = new Schema<Posting>(
  {
    _id: { type: String, required: true },
    account: { type: String, required: true },
    seq: { type: Number, required: true },
    entryId: { type: String, required: true },
    kind: { type: String, required: true },
    amount: { type: Number, required: true },
    balanceAfter: { type: Number, required: true },
    businessDay: { type: String, required: true },
    postedAt: { type: Date, required: true },
    memo: { type: Mixed, default: null },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  options,
);
postingSchema.plugin(outboxPlugin);
postingSchema.index({ account: 1, entryId: 1 }, { unique: true });
postingSchema.index({ entryId: 1 });
postingSchema.index({ postedAt: 1 });
postingSchema.index({ account: 1, seq: 1 });
postingSchema.index({ account: 1, kind: 1, seq: 1 });
postingSchema.index({ account: 1, businessDay: 1 });

const pendingSchema = new Schema<PendingEntry>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  options,
);
const stallSchema = new Schema<StallView>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    stallCode: { type: String, required: true },
    vendorName: { type: String, required: true },
    virtualAccount: { type: Mixed, default: null },
    status: { type: String, required: true },
    lastEventAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  options,
);
stallSchema.index({ 'virtualAccount.accountNumber': 1 });
stallSchema.index({ marketId: 1 });

const qrSchema = new Schema<QrView>(
  {
    _id: { type: String, required: true },
    merchantId: { type: String, required: true },
    marketId: { type: String, required: true },
    kind: { type: String, required: true },
    stallCode: { type: String, required: true },
    accountNumber: { type: String, required: true },
    orderCode: { type: String, default: null },
    amount: { type: Number, default: null },
    expiresAt: { type: Date, default: null },
    status: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  options,
);
qrSchema.index({ orderCode: 1 });
qrSchema.index({ merchantId: 1, kind: 1, status: 1 });

const modifiedResendSchema = new Schema<ModifiedResend>(
  {
    _id: { type: String, required: true },
    paymentId: { type: String, required: true },
    provider: { type: String, required: true },
    providerTxId: { type: String, required: true },
    storedHash: { type: String, required: true },
    resendHash: { type: String, required: true },
    differences: { type: Mixed, required: true },
    rawBody: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  options,
);
modifiedResendSchema.index({ paymentId: 1 });

const claimSchema = new Schema<QrClaim>(
  {
    _id: { type: String, required: true },
    paymentId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  options,
);
const collectionSchema = new Schema<CollectionAccount>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    learnedFrom: { type: String, required: true },
    at: { type: Date, required: true },
  },
  options,
);

export interface Models {
  /** Mongoose models: index creation at start, and the outbox's inserts (it needs the model). */
  Inbox: Model<InboxRecord>;
  Work: Model<WorkItem>;
  Entry: Model<JournalEntry>;
  Posting: Model<Posting>;
  Pending: Model<PendingEntry>;
  Posted: Model<PendingEntry>;
  Stall: Model<StallView>;
  Qr: Model<QrView>;
  QrClaim: Model<QrClaim>;
  CollectionAccount: Model<CollectionAccount>;
  ModifiedResend: Model<ModifiedResend>;
  /** The same collections through the driver, typed: everything else reads and writes these (no casting layer). */
  inbox: mongo.Collection<InboxRecord>;
  work: mongo.Collection<WorkItem>;
  entries: mongo.Collection<JournalEntry>;
  postings: mongo.Collection<Posting>;
  pending: mongo.Collection<PendingEntry>;
  /**
   * Entries whose caller keeps its own record (the inbox's payments) and whose postings are all written: how the
   * poller tells "done" from "interrupted" with one lookup by `_id` (the postings themselves can only be found by a
   * scan on FerretDB).
   */
  posted: mongo.Collection<PendingEntry>;
  stalls: mongo.Collection<StallView>;
  qrs: mongo.Collection<QrView>;
  qrClaims: mongo.Collection<QrClaim>;
  collectionAccounts: mongo.Collection<CollectionAccount>;
  modifiedResends: mongo.Collection<ModifiedResend>;
}

export function registerModels(db: Connection): Models {
  const model = <T>(name: string, schema: Schema<T>, collection: string): Model<T> =>
    (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema, collection);
  const typed = <T extends mongo.Document>(m: Model<T>) => m.collection as unknown as mongo.Collection<T>;
  const m = {
    Inbox: model('InboxRecord', inboxSchema, 'inbox'),
    Work: model('WorkItem', workSchema, 'inbox_queue'),
    Entry: model('JournalEntry', entrySchema, 'entries'),
    Posting: model('Posting', postingSchema, 'postings'),
    Pending: model('PendingEntry', pendingSchema, 'pending_entries'),
    Posted: model('PostedEntry', pendingSchema, 'posted_entries'),
    Stall: model('StallView', stallSchema, 'stalls'),
    Qr: model('QrView', qrSchema, 'qrs'),
    QrClaim: model('QrClaim', claimSchema, 'qr_claims'),
    CollectionAccount: model('CollectionAccount', collectionSchema, 'collection_accounts'),
    ModifiedResend: model('ModifiedResend', modifiedResendSchema, 'modified_resends'),
  };
  return {
    ...m,
    inbox: typed(m.Inbox),
    work: typed(m.Work),
    entries: typed(m.Entry),
    postings: typed(m.Posting),
    pending: typed(m.Pending),
    posted: typed(m.Posted),
    stalls: typed(m.Stall),
    qrs: typed(m.Qr),
    qrClaims: typed(m.QrClaim),
    collectionAccounts: typed(m.CollectionAccount),
    modifiedResends: typed(m.ModifiedResend),
  };
}
