import { Schema, type Connection, type Model } from 'mongoose';
import { outboxPlugin } from '@marketqr/messaging';
import type { Stall } from '../domain/stall';

/**
 * merchant-onboarding's own database. Stalls raise events through the outbox (@marketqr/messaging): a change
 * and its events are stored together, and published only if the change was.
 */
export interface Market {
  _id: string;
  name: string;
  province: string;
  district: string;
  address: string;
  zones: { code: string; name: string }[];
  /** The market's collection account at the partner bank; stalls' virtual accounts live under it. */
  collectionAccount: { bin: string; accountNumber: string };
  createdAt: Date;
  createdBy: string;
}

export type Role = 'vendor' | 'market_manager' | 'admin' | 'service';

export interface User {
  _id: string;
  /** Login name: the phone number for vendors, a chosen name for managers. */
  username: string;
  fullName: string;
  role: Role;
  marketId?: string | null;
  merchantId?: string | null;
  /** scrypt hash with its parameters (see @marketqr/auth). */
  passwordHash: string;
  createdAt: Date;
  disabled?: boolean;
}

const accountRef = { bin: { type: String, required: true }, accountNumber: { type: String, required: true } };

const marketSchema = new Schema<Market>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    province: { type: String, required: true },
    district: { type: String, required: true },
    address: { type: String, required: true },
    zones: { type: [{ _id: false, code: String, name: String }], default: [] },
    collectionAccount: { type: new Schema(accountRef, { _id: false }), required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { versionKey: false },
);

const stallSchema = new Schema<Stall>(
  {
    _id: { type: String, required: true },
    marketId: { type: String, required: true },
    stallCode: { type: String, required: true },
    zone: { type: String, required: true },
    category: { type: String, required: true },
    vendor: {
      type: new Schema({ fullName: String, phone: String, userId: String }, { _id: false }),
      required: true,
    },
    payoutAccount: {
      type: new Schema({ ...accountRef, holderName: { type: String, default: null } }, { _id: false }),
      required: true,
    },
    verification: {
      type: new Schema(
        {
          state: { type: String, required: true },
          attempts: { type: Number, default: 0 },
          nextAttemptAt: { type: Date, default: null },
          lastError: { type: String, default: null },
          bankHolderName: { type: String, default: null },
          method: { type: String, default: null },
          reference: { type: String, default: null },
          verifiedAt: { type: Date, default: null },
        },
        { _id: false },
      ),
      required: true,
    },
    virtualAccount: { type: new Schema(accountRef, { _id: false }), default: null },
    status: { type: String, required: true },
    suspension: {
      type: new Schema({ reasonCode: String, reason: String, by: String, at: Date }, { _id: false }),
      default: null,
    },
    /** Demo only: how far back the onboarding is dated, until the approval (see Stall.backdateMs). */
    backdateMs: { type: Number, default: undefined },
    version: { type: Number, required: true },
    history: { type: [{ _id: false, at: Date, action: String, by: String, note: String }], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
stallSchema.plugin(outboxPlugin);
// One stall code per market: the unique index is what makes a duplicate registration fail atomically.
stallSchema.index({ marketId: 1, stallCode: 1 }, { unique: true });
stallSchema.index({ marketId: 1, status: 1, createdAt: 1 });
stallSchema.index({ 'verification.state': 1, 'verification.nextAttemptAt': 1 });
stallSchema.index({ 'vendor.userId': 1 });

const userSchema = new Schema<User>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    fullName: { type: String, required: true },
    role: { type: String, required: true },
    marketId: { type: String, default: null },
    merchantId: { type: String, default: null },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    disabled: { type: Boolean, default: false },
  },
  { versionKey: false },
);
userSchema.index({ username: 1 }, { unique: true });

/**
 * A device the user logged in from: the login answer hands it an opaque token, and a later login that presents it is
 * throttled on its own (see @marketqr/auth LoginGuard), so strangers' failures never lock the owner's phone out. Only
 * a hash of the token is stored.
 */
export interface TrustedDevice {
  /** sha256 of the token. */
  _id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
}

/** One record per account and throttling window in which an attack was seen: the merchant.login-attack it raised. */
export interface LoginAttack {
  /** `<userId>|<window start>`: the event is raised once per window, by whichever replica saw it first. */
  _id: string;
  userId: string;
  marketId: string;
  failures: number;
  detectedAt: Date;
}

export interface Models {
  Market: Model<Market>;
  Stall: Model<Stall>;
  User: Model<User>;
  TrustedDevice: Model<TrustedDevice>;
  LoginAttack: Model<LoginAttack>;
}

const trustedDeviceSchema = new Schema<TrustedDevice>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
trustedDeviceSchema.index({ userId: 1 });

const loginAttackSchema = new Schema<LoginAttack>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    marketId: { type: String, required: true },
    failures: { type: Number, required: true },
    detectedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Written through the outbox: the record and its merchant.login-attack are stored together.
loginAttackSchema.plugin(outboxPlugin);

export function registerModels(db: Connection): Models {
  return {
    Market: db.model<Market>('Market', marketSchema, 'markets'),
    Stall: db.model<Stall>('Stall', stallSchema, 'stalls'),
    User: db.model<User>('User', userSchema, 'users'),
    TrustedDevice: db.model<TrustedDevice>('TrustedDevice', trustedDeviceSchema, 'trusted_devices'),
    LoginAttack: db.model<LoginAttack>('LoginAttack', loginAttackSchema, 'login_attacks'),
  };
}
