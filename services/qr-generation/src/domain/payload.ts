import { createHash } from 'node:crypto';
import { encodeVietQr, findBank, foldToAscii, isVietQrError, type VietQrInput } from '@marketqr/vietqr';
import { DYNAMIC_AMOUNT_MAX } from '@marketqr/contracts';
import { DomainError } from '@marketqr/service-kit';
import {
  accountKeyOf,
  expiryBucketOf,
  type Merchant,
  type PosterText,
  type QrRecord,
  type VirtualAccount,
} from './model';

/** NAPAS 247 refuses a single transfer of 500,000,000 đồng or more: one đồng above the route spec's largest amount. */
export const NAPAS_LIMIT_VND = DYNAMIC_AMOUNT_MAX + 1;

const NAME_MAX = 25;
const CITY_MAX = 15;

/**
 * Shortens a name to `max` characters at a word boundary when it can. Names are display fields in the QR (59, 64):
 * a shortened name still shows the shopper whom they pay, whereas a refused payload would leave the stall without a QR.
 */
export function fitName(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const cut = chars.slice(0, max + 1).join('');
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : chars.slice(0, max).join('')).trim();
}

/** 59 and 60 are ASCII: fold the diacritics, drop what has no ASCII form (emoji, CJK), squeeze spaces. */
function asciiText(text: string, max: number): string | undefined {
  const folded = foldToAscii(text.normalize('NFC'))
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return folded ? fitName(folded, max) : undefined;
}

/** 64 keeps diacritics (NFC so that "ệ" counts as one character, as people and bank apps count it). */
function unicodeText(text: string, max: number): string | undefined {
  const clean = text
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cs}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean ? fitName(clean, max) : undefined;
}

export function payloadHash(payload: string): string {
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

export interface QrFor {
  merchant: Pick<Merchant, 'vendorName' | 'stallCode'>;
  account: VirtualAccount;
  city?: string | null;
}

function baseInput({ merchant, account, city }: QrFor): VietQrInput {
  const altName = unicodeText(merchant.vendorName, NAME_MAX);
  const altCity = city ? unicodeText(city, CITY_MAX) : undefined;
  return {
    bin: account.bin,
    accountNumber: account.accountNumber,
    service: 'account',
    merchantName: asciiText(merchant.vendorName, NAME_MAX),
    merchantCity: city ? asciiText(city, CITY_MAX) : undefined,
    storeLabel: merchant.stallCode,
    alternateLanguage: altName ? { language: 'vi', name: altName, city: altCity } : undefined,
  };
}

function encode(input: VietQrInput): string {
  try {
    // Virtual accounts may carry letters (alias accounts); a partner bank newer than our list must not stop QRs.
    return encodeVietQr(input, { allowAlphanumericAccount: true, allowUnknownBin: true });
  } catch (e) {
    if (isVietQrError(e)) {
      throw new DomainError(
        'QR.PAYLOAD_INVALID',
        `the stall's details make no valid VietQR: ${e.message}`,
        'unprocessable',
        {
          qrCode: e.code,
          path: e.path,
        },
      );
    }
    throw e;
  }
}

/**
 * The stall's poster: reusable (01 = 11), no amount, the stall code in 62/08 (it becomes the transfer description
 * the ledger matches) and in 62/03 (store label), the vendor's name in 59 (folded) and 64 (with diacritics), and the
 * poster's serial in 62/07 (terminal label: the poster is the stall's "terminal"). Banks ignore 62/07 on transfers,
 * but it makes every printed poster a payload of its own: without it a replaced poster would be byte for byte the new
 * one, and the genuine check could not tell a revoked poster from the current one.
 */
export function staticPayload(q: QrFor & { posterSerial: string }): string {
  return encode({
    ...baseInput(q),
    pointOfInitiation: 'static',
    purpose: q.merchant.stallCode,
    terminalLabel: q.posterSerial,
  });
}

/** One sale: 01 = 12, the amount, and the order code in 62/08 (the description) and 62/01 (bill number). */
export function dynamicPayload(q: QrFor & { orderCode: string; amount: number }): string {
  return encode({
    ...baseInput(q),
    pointOfInitiation: 'dynamic',
    amount: q.amount,
    purpose: q.orderCode,
    billNumber: q.orderCode,
  });
}

/** The poster's text, from the stall as it is now; kept with the QR so reprints match the first print. */
export function posterTextOf(merchant: Merchant, account: VirtualAccount, city?: string | null): PosterText {
  const bank = findBank(account.bin);
  return {
    vendorName: merchant.vendorName.normalize('NFC'),
    stallCode: merchant.stallCode,
    marketName: merchant.marketName.normalize('NFC'),
    zone: merchant.zone.normalize('NFC'),
    bankShortName: bank?.shortName ?? account.bin,
    // The bank's holder name when known; otherwise the vendor's name the way banks print names (folded, upper case).
    holderName: (merchant.holderName ?? foldToAscii(merchant.vendorName).toUpperCase()).normalize('NFC'),
    accountNumber: account.accountNumber,
    city: city ? city.normalize('NFC') : null,
  };
}

/** QRs are for active stalls whose virtual account the bank has registered. */
export function qrAccountOf(merchant: Pick<Merchant, 'status' | 'virtualAccount'>): VirtualAccount | null {
  if (merchant.status !== 'active' || !merchant.virtualAccount) return null;
  return merchant.virtualAccount;
}

/**
 * A new, active QR record for a stall: what a static poster and a dynamic QR have in common, computed one way (the
 * payload's hash, the poster's text, the account key); `kind` says what differs.
 */
export function newQrRecord(
  base: { _id: string; merchant: Merchant; account: VirtualAccount; city: string | null; payload: string },
  rest: Pick<
    QrRecord,
    | 'kind'
    | 'code'
    | 'slot'
    | 'generation'
    | 'orderCode'
    | 'posterSerial'
    | 'amount'
    | 'note'
    | 'issuedAt'
    | 'issuedBy'
    | 'ttlSeconds'
    | 'expiresAt'
  >,
): QrRecord {
  const { merchant: m, account, city, payload } = base;
  return {
    _id: base._id,
    status: 'active',
    merchantId: m._id,
    marketId: m.marketId,
    stallCode: m.stallCode,
    bin: account.bin,
    accountNumber: account.accountNumber,
    accountKey: accountKeyOf(account),
    payload,
    payloadHash: payloadHash(payload),
    poster: posterTextOf(m, account, city),
    revokedAt: null,
    revokedReasonCode: null,
    revokedReason: null,
    revokedBy: null,
    expiredAt: null,
    ...rest,
    expiryBucket: rest.expiresAt ? expiryBucketOf(rest.expiresAt) : null,
  };
}
