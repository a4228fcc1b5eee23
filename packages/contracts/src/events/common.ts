import { z } from 'zod';

/**
 * Building blocks shared by the event schemas. Objects are never `.strict()`: a consumer built against an older
 * contracts version must accept (and ignore) the optional fields a newer producer adds.
 */

/** Our own identifiers (stall, market, payment …): opaque, non-empty. */
export const idSchema = z.string().min(1).max(128);

/** An amount in đồng. Integer only: VND has no minor unit and money is never a float in MarketQR. */
export const vndSchema = z.number().int();
export const positiveVndSchema = vndSchema.positive();
export const nonNegativeVndSchema = vndSchema.nonnegative();

/** ISO 8601 instant with an offset (`2025-03-01T06:30:00+07:00` or `…Z`). */
export const instantSchema = z.iso.datetime({ offset: true });

/** A business day `YYYY-MM-DD`, always the calendar day in Asia/Ho_Chi_Minh at `occurredAt`/the cut-off. */
export const businessDaySchema = z.iso.date();

/** NAPAS bank identification number (6 digits), as encoded in VietQR tag 38/01/00. */
export const bankBinSchema = z.string().regex(/^\d{6}$/, 'a 6-digit NAPAS bank BIN');

/** Account number as VietQR carries it (tag 38/01/01): up to 19 alphanumerics. */
export const accountNumberSchema = z.string().regex(/^[0-9A-Za-z]{1,19}$/, 'up to 19 letters or digits');

/** The stall's virtual account under the market's collection account: what its QR pays into. */
export const virtualAccountSchema = z.object({
  bin: bankBinSchema,
  accountNumber: accountNumberSchema,
});

/** The vendor's own bank account a payout goes to, with the holder name the bank confirmed. */
export const payoutAccountSchema = z.object({
  bin: bankBinSchema,
  accountNumber: accountNumberSchema,
  holderName: z.string().min(1).max(100),
});

/**
 * The payout account as a merchant event carries it: `holderName` is absent until the bank's name inquiry (or a
 * manager) confirmed it. Settlement pays only verified accounts, and its own events require the name.
 */
export const merchantPayoutAccountSchema = payoutAccountSchema.extend({
  holderName: payoutAccountSchema.shape.holderName.optional(),
});

/**
 * Adding a value here is a breaking change for consumers that validate with an older list: it needs a new event
 * version. That is the price of letting consumers switch exhaustively on status.
 */
export const merchantStatusSchema = z.enum(['pending_verification', 'verified', 'active', 'suspended']);

/**
 * Everything a consumer needs to know about a stall, carried by every merchant event so that no service ever has to
 * ask merchant-onboarding (which it may not: Kafka is the only way services talk).
 */
export const merchantSnapshotShape = {
  /** The stall id; also the Kafka key. */
  merchantId: idSchema,
  marketId: idSchema,
  /** With diacritics, as shown to people: "Chợ Bến Thành". */
  marketName: z.string().min(1).max(200),
  /** The market's zone or row: "Khu A", "Dãy hàng cá". */
  zone: z.string().min(1).max(100),
  /** Short code printed on the poster and carried in the static QR's 62/08 (EMVCo allows 25 characters). */
  stallCode: z.string().min(1).max(25),
  /** Goods category for statistics: one of CATEGORIES (categories.ts), e.g. vegetables, meat, dry_goods. */
  category: z.string().min(1).max(64),
  /** The vendor's display name, with diacritics ("Nguyễn Thị Hoa"): announcements and payouts show it. */
  vendorName: z.string().min(1).max(200),
  /** Absent until the partner bank has registered one (a stall is activated only once it has it). */
  virtualAccount: virtualAccountSchema.optional(),
  payoutAccount: merchantPayoutAccountSchema,
  status: merchantStatusSchema,
  /**
   * The market's collection account, under which the stall's virtual account lives. A transfer to this account with no
   * virtual account named is the market's (suspense, for a manager to reallocate); settlement reconciles against it.
   * Optional: events written before it was added lack it.
   */
  collectionAccount: virtualAccountSchema.optional(),
};

export const merchantSnapshotSchema = z.object(merchantSnapshotShape);
export type MerchantSnapshot = z.infer<typeof merchantSnapshotSchema>;

/** A machine-readable reason (`suspected_fake_qr`) next to the human text. Open-ended on purpose: new codes are not breaking. */
export const reasonCodeSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case reason code');
export const reasonTextSchema = z.string().max(500);

/** Optional facts about who paid and how, shared by payment.confirmed and payment.flagged. */
export const paymentContextShape = {
  /** The payer's bank, when the notification names it. */
  payerBankBin: bankBinSchema.optional(),
  /**
   * HMAC-SHA256 (hex) of `bin:account` of the payer, keyed by payment-ledger's own secret: lets statistics tell new
   * from returning payers without the account number ever leaving the ledger.
   */
  payerAccountHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The kind of QR that was paid, when the ledger matched one. */
  qrKind: z.enum(['static', 'dynamic']).nullable().optional(),
};
