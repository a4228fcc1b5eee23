import { Schema, type Connection, type Model } from 'mongoose';
import { outboxPlugin } from '@marketqr/messaging';
import type { Merchant, QrRecord } from '../domain/model';
import type { GenuineCheckRecord } from '../genuine-check/genuine-check.record';

/**
 * The service's collections. Indexes are created explicitly at start by @marketqr/mongo (so a unique index that
 * failed to build stops the service instead of silently letting duplicates in). Only plain indexes: FerretDB 1.24 has
 * no partial or TTL indexes.
 */
const merchantSchema = new Schema<Merchant>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    marketName: { type: String, required: true },
    zone: { type: String, required: true },
    stallCode: { type: String, required: true },
    vendorName: { type: String, required: true },
    virtualAccount: { type: new Schema({ bin: String, accountNumber: String }, { _id: false }), default: null },
    accountKey: { type: String, default: null },
    holderName: { type: String, default: null },
    status: { type: String, required: true },
    lastEventAt: { type: Date, required: true },
    lastEventId: { type: String, required: true },
    lastEventType: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'merchants', versionKey: false },
);
merchantSchema.index({ accountKey: 1 });
merchantSchema.index({ marketId: 1, stallCode: 1 });

const actorSchema = new Schema({ userId: String, role: String, via: String }, { _id: false });
const posterSchema = new Schema(
  {
    vendorName: String,
    stallCode: String,
    marketName: String,
    zone: String,
    bankShortName: String,
    holderName: String,
    accountNumber: String,
    city: { type: String, default: null },
  },
  { _id: false },
);

const qrSchema = new Schema<QrRecord>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    status: { type: String, required: true },
    merchantId: { type: String, required: true },
    marketId: { type: String, required: true },
    stallCode: { type: String, required: true },
    bin: { type: String, required: true },
    accountNumber: { type: String, required: true },
    accountKey: { type: String, required: true },
    code: { type: String, required: true },
    slot: { type: String, required: true },
    generation: { type: Number, default: null },
    orderCode: { type: String, default: null },
    posterSerial: { type: String, default: null },
    amount: { type: Number, default: null },
    note: { type: String, default: null },
    payload: { type: String, required: true },
    payloadHash: { type: String, required: true },
    poster: { type: posterSchema, required: true },
    issuedAt: { type: Date, required: true },
    issuedBy: { type: actorSchema, required: true },
    ttlSeconds: { type: Number, default: null },
    expiresAt: { type: Date, default: null },
    expiryBucket: { type: Number, default: null },
    revokedAt: { type: Date, default: null },
    revokedReasonCode: { type: String, default: null },
    revokedReason: { type: String, default: null },
    revokedBy: { type: String, default: null },
    expiredAt: { type: Date, default: null },
  },
  { collection: 'qr_codes', versionKey: false },
);
qrSchema.plugin(outboxPlugin);
qrSchema.index({ code: 1 }, { unique: true });
qrSchema.index({ slot: 1 }, { unique: true });
qrSchema.index({ payloadHash: 1 });
qrSchema.index({ accountKey: 1 });
qrSchema.index({ merchantId: 1, kind: 1, status: 1 });
// The expiry sweeper's: one window's active QRs by equality every few seconds, and every window up to now in its
// occasional full sweep (a range on the same index). One index for both: each index costs every QR insert its
// upkeep, twice on FerretDB (see infra/local/postgresql/ferretdb-gin.sql).
qrSchema.index({ expiryBucket: 1, status: 1 });

const checkSchema = new Schema<GenuineCheckRecord>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    verdict: { type: String, required: true },
    input: { type: String, required: true },
    payload: { type: String, required: true },
    payloadHash: { type: String, default: null },
    bin: { type: String, default: null },
    accountNumber: { type: String, default: null },
    merchantId: { type: String, default: null },
    marketId: { type: String, default: null },
    reportedMarketId: { type: String, default: null },
    stallCode: { type: String, default: null },
    qrId: { type: String, default: null },
    problems: { type: [String], default: [] },
    reportedAt: { type: Date, default: null },
  },
  { collection: 'genuine_checks', versionKey: false },
);
// A flagged check and its qr.check-flagged event are written together.
checkSchema.plugin(outboxPlugin);
checkSchema.index({ marketId: 1, at: -1 });
checkSchema.index({ verdict: 1, at: -1 });
checkSchema.index({ at: -1 });

/** A token the merchant consumer replaces after every change to the projection (see MerchantStore). */
export interface ProjectionEpoch {
  _id: string;
  token: string;
  at: Date;
}

const epochSchema = new Schema<ProjectionEpoch>(
  {
    _id: { type: String, required: true },
    token: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'projection_epochs', versionKey: false },
);

export interface Models {
  Merchant: Model<Merchant>;
  ProjectionEpoch: Model<ProjectionEpoch>;
  Qr: Model<QrRecord>;
  GenuineCheck: Model<GenuineCheckRecord>;
}

/** Registers the models on the service's own connection (before it opens: indexes are built at start). */
export function registerModels(db: Connection): Models {
  return {
    Merchant: db.model<Merchant>('Merchant', merchantSchema),
    ProjectionEpoch: db.model<ProjectionEpoch>('ProjectionEpoch', epochSchema),
    Qr: db.model<QrRecord>('Qr', qrSchema),
    GenuineCheck: db.model<GenuineCheckRecord>('GenuineCheck', checkSchema),
  };
}
