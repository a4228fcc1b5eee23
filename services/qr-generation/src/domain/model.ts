/**
 * What this service knows and keeps. The domain imports nothing from HTTP, Kafka or the database: these are plain
 * shapes, stored as they are.
 */
import type { Actor } from '@marketqr/auth';

export type MerchantStatus = 'pending_verification' | 'verified' | 'active' | 'suspended';

export interface VirtualAccount {
  bin: string;
  accountNumber: string;
}

/** Our copy of a stall, from merchant events. Only what QRs and posters need. */
export interface Merchant {
  /** The stall id (merchantId): also the Kafka key of its events. */
  _id: string;
  marketId: string;
  marketName: string;
  zone: string;
  stallCode: string;
  vendorName: string;
  /** Absent until the partner bank has registered the stall's virtual account: no QR before then. */
  virtualAccount?: VirtualAccount | null;
  /** `bin:ACCOUNT` of the virtual account, for the genuine check's "is this one of our accounts?" lookup. */
  accountKey?: string | null;
  /** The payout account holder name the bank returned, when known: printed on the poster. */
  holderName?: string | null;
  status: MerchantStatus;
  /** `occurredAt` of the newest event applied: an older event arriving late does not overwrite newer state. */
  lastEventAt: Date;
  lastEventId: string;
  lastEventType: string;
  updatedAt: Date;
}

export type QrKind = 'static' | 'dynamic';
export type QrStatus = 'active' | 'revoked' | 'expired';

/** Who acted (audit fields, events): one definition, in @marketqr/auth. */
export type { Actor };

/** What a poster prints, frozen when the QR is issued: a reprint shows what the first print showed. */
export interface PosterText {
  vendorName: string;
  stallCode: string;
  marketName: string;
  zone: string;
  bankShortName: string;
  holderName: string;
  accountNumber: string;
  city: string | null;
}

/** One issued QR: a static poster or a dynamic code. The registry the genuine check answers from. */
export interface QrRecord {
  _id: string;
  kind: QrKind;
  status: QrStatus;
  merchantId: string;
  marketId: string;
  stallCode: string;
  bin: string;
  accountNumber: string;
  accountKey: string;
  /** Order code (dynamic) or poster serial (static). Unique: a colliding random code is retried. */
  code: string;
  /**
   * Unique. Static: `<merchantId>#static#<generation>`, so two concurrent re-issues cannot both follow the same poster
   * (the insert is the claim; FerretDB keeps unique inserts atomic, unlike conditional updates). Dynamic: its own id.
   */
  slot: string;
  generation: number | null;
  orderCode: string | null;
  posterSerial: string | null;
  amount: number | null;
  note: string | null;
  payload: string;
  /** sha256 of the payload's UTF-8 bytes, hex. */
  payloadHash: string;
  poster: PosterText;
  issuedAt: Date;
  issuedBy: Actor & { via: 'api' | 'merchant_event' };
  ttlSeconds: number | null;
  expiresAt: Date | null;
  /** `expiryBucketOf(expiresAt)` for a dynamic QR, null for a poster: what the expiry sweeper looks up. */
  expiryBucket: number | null;
  revokedAt: Date | null;
  revokedReasonCode: string | null;
  revokedReason: string | null;
  revokedBy: string | null;
  expiredAt: Date | null;
}

export const accountKeyOf = (a: VirtualAccount): string => `${a.bin}:${a.accountNumber.toUpperCase()}`;

/**
 * Dynamic QRs are filed by the 10-second window their expiry falls in, so the expiry sweeper asks for one window by
 * equality. FerretDB 1.24 runs `expiresAt ≤ now` by reading every active dynamic QR (a range is not pushed down to
 * its backend), which at a province's rate is hundreds of thousands of documents every few seconds; an equality on an
 * indexed field is pushed down and reads only that window's QRs.
 */
export const EXPIRY_BUCKET_MS = 10_000;
export const expiryBucketOf = (expiresAt: Date): number => Math.floor(expiresAt.getTime() / EXPIRY_BUCKET_MS);

/** A QR past its expiry counts as expired even before the sweeper has written it so. */
export function effectiveStatus(qr: Pick<QrRecord, 'status' | 'expiresAt'>, now: Date): QrStatus {
  if (qr.status === 'active' && qr.expiresAt && qr.expiresAt.getTime() <= now.getTime()) return 'expired';
  return qr.status;
}
