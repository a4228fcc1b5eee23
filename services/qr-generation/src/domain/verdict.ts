import { decodeQr, foldToAscii, type DecodedQr } from '@marketqr/vietqr';
import { accountKeyOf, effectiveStatus, type Merchant, type QrRecord } from './model';
import type { Verdict } from '@marketqr/contracts';
import { payloadHash } from './payload';

// The verdicts are part of the API (apps and market-insights switch on them): listed, with what each means, beside
// the route specs in @marketqr/contracts.
export { VERDICTS, type Verdict } from '@marketqr/contracts';

export interface DecodedSummary {
  scheme: string | null;
  crcValid: boolean;
  bin: string | null;
  bankShortName: string | null;
  accountNumber: string | null;
  pointOfInitiation: string | null;
  amount: string | null;
  purpose: string | null;
  merchantName: string | null;
  /** 62/03: our posters carry the stall code here. */
  storeLabel: string | null;
  /** 62/07: our posters carry the poster's serial here. */
  terminalLabel: string | null;
  errors: { code: string; path: string }[];
}

export type Classification =
  | { kind: 'final'; verdict: Verdict; decoded: DecodedSummary; accountKey: string | null; hash: string | null }
  | { kind: 'lookup'; tampered: boolean; decoded: DecodedSummary; accountKey: string; hash: string };

function summarise(d: DecodedQr): DecodedSummary {
  return {
    scheme: d.scheme ?? null,
    crcValid: d.crcValid,
    bin: d.bin ?? null,
    bankShortName: d.bank?.shortName ?? null,
    accountNumber: d.accountNumber ?? null,
    pointOfInitiation: d.pointOfInitiation ?? null,
    amount: d.amount ?? null,
    purpose: d.purpose ?? null,
    merchantName: d.alternateLanguage?.name ?? d.merchantName ?? null,
    storeLabel: d.storeLabel ?? null,
    terminalLabel: d.terminalLabel ?? null,
    errors: d.errors.filter((e) => e.severity === 'error').map((e) => ({ code: e.code, path: e.path })),
  };
}

/**
 * The hash a payload is registered under. Scanners add trailing newlines and at least one bank writes its CRC in
 * lower case: neither changes what the code pays, so neither should make a genuine poster look unregistered.
 */
export function normalisedHash(text: string): string {
  const t = text.trim();
  return payloadHash(t.slice(0, -4) + t.slice(-4).toUpperCase());
}

/**
 * First step, without I/O: read the payload and decide what it can be decided on alone; otherwise say what to look up
 * (the payload's hash among registered QRs, its account among our stalls' accounts).
 */
export function classifyPayload(text: string): Classification {
  const trimmed = text.trim();
  const d = decodeQr(trimmed);
  const decoded = summarise(d);
  const account = d.bin && d.accountNumber ? accountKeyOf({ bin: d.bin, accountNumber: d.accountNumber }) : null;
  const tampered = d.errors.some((e) => e.code === 'QR.CRC_MISMATCH');
  const final = (verdict: Verdict): Classification => ({
    kind: 'final',
    verdict,
    decoded,
    accountKey: account,
    hash: null,
  });

  if (!tampered && !d.crcValid) return final('MALFORMED');
  if (!d.scheme) return final(tampered ? 'TAMPERED' : 'MALFORMED');
  if (d.scheme !== 'vietqr') return final(tampered ? 'TAMPERED' : 'NOT_VIETQR');
  if (!account) return final(tampered ? 'TAMPERED' : 'MALFORMED');
  // A tampered code is still looked up: which stall's account it names tells a manager where to go.
  return { kind: 'lookup', tampered, decoded, accountKey: account, hash: normalisedHash(trimmed) };
}

export interface LookupResult {
  /** Registered QRs with exactly this payload (a reactivated stall's new poster can repeat an old payload). */
  registered: QrRecord[];
  /** The stall whose current virtual account this is, if any. */
  merchantByAccount: Merchant | null;
  /** A QR we once issued to this account (the stall's account may have changed since). */
  anyQrForAccount: QrRecord | null;
  /** The stalls of the registered QRs. */
  merchantsById: Map<string, Merchant>;
  /**
   * For a payload that pays none of our accounts: the stall it passes itself off as (one of our posters' serial, or
   * a stall's code with its vendor's name), found by `imitatedStall`.
   */
  imitated?: Merchant | null;
}

export interface Decision {
  verdict: Verdict;
  qr: QrRecord | null;
  merchant: Merchant | null;
  /**
   * The stall the account points to when the QR itself is not registered (UNREGISTERED_PAYLOAD, TAMPERED), or the
   * stall an UNKNOWN_ACCOUNT code imitates.
   */
  stallId: string | null;
  /** UNKNOWN_ACCOUNT only: the stall whose poster this code copies while paying another account. */
  imitates?: Merchant | null;
}

/** Second step: the verdict from what the lookups found. */
export function decide(c: Extract<Classification, { kind: 'lookup' }>, r: LookupResult, now: Date): Decision {
  const stallOfAccount = r.merchantByAccount?._id ?? r.anyQrForAccount?.merchantId ?? null;
  if (c.tampered) return { verdict: 'TAMPERED', qr: null, merchant: r.merchantByAccount, stallId: stallOfAccount };

  const byPreference = [...r.registered].sort((a, b) => rank(a, now) - rank(b, now) || +b.issuedAt - +a.issuedAt);
  const qr = byPreference[0];
  if (qr) {
    const merchant = r.merchantsById.get(qr.merchantId) ?? null;
    const status = effectiveStatus(qr, now);
    if (status === 'revoked') return { verdict: 'REVOKED', qr, merchant, stallId: qr.merchantId };
    if (status === 'expired') return { verdict: 'EXPIRED', qr, merchant, stallId: qr.merchantId };
    const stallActive = merchant?.status === 'active' && merchant.accountKey === qr.accountKey;
    return { verdict: stallActive ? 'GENUINE' : 'STALL_NOT_ACTIVE', qr, merchant, stallId: qr.merchantId };
  }
  if (stallOfAccount) {
    return { verdict: 'UNREGISTERED_PAYLOAD', qr: null, merchant: r.merchantByAccount, stallId: stallOfAccount };
  }
  const imitates = r.imitated ?? null;
  return { verdict: 'UNKNOWN_ACCOUNT', qr: null, merchant: null, stallId: imitates?._id ?? null, imitates };
}

/**
 * Which of our stalls a code that pays a foreign account imitates: a sticker copied from a real poster keeps the
 * poster's serial (62/07), or at least the stall's code (62/03 or the purpose) and its vendor's name (59, folded, or
 * 64). The stall code alone is not enough: every market has an A-01.
 *
 * `bySerial` finds the stall of one of our posters by serial; `byStallCode` the stalls with that code.
 */
export async function imitatedStall(
  d: DecodedSummary,
  find: { bySerial(serial: string): Promise<Merchant | null>; byStallCode(code: string): Promise<Merchant[]> },
): Promise<Merchant | null> {
  if (d.terminalLabel) {
    const m = await find.bySerial(d.terminalLabel.trim());
    if (m) return m;
  }
  const name = d.merchantName ? squashName(d.merchantName) : '';
  if (!name) return null;
  for (const code of new Set([d.storeLabel, d.purpose].filter((c): c is string => !!c).map((c) => c.trim()))) {
    const named = (await find.byStallCode(code)).filter((m) => squashName(m.vendorName) === name);
    if (named.length === 1) return named[0]!;
  }
  return null;
}

/** A name compared the way a bank app shows it: without diacritics, case or spacing ("NGUYEN THI HOA"). */
function squashName(name: string): string {
  return foldToAscii(name)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/** Active first, then expired, then revoked: the most honest answer when one payload was issued more than once. */
function rank(qr: QrRecord, now: Date): number {
  return { active: 0, expired: 1, revoked: 2 }[effectiveStatus(qr, now)];
}

/** What a shopper reads, in Vietnamese (the app shows it as is) and English (logs, managers' tools). */
export const VERDICT_MESSAGES: Record<Verdict, { vi: string; en: string }> = {
  GENUINE: {
    vi: 'Mã QR chính chủ, đang hoạt động.',
    en: 'A registered QR of an active stall.',
  },
  REVOKED: {
    vi: 'Mã QR này đã bị thu hồi. Đừng thanh toán, hãy hỏi người bán mã mới.',
    en: 'This QR was revoked: do not pay it; ask the vendor for the current one.',
  },
  EXPIRED: {
    vi: 'Mã QR này đã hết hạn. Hãy nhờ người bán tạo mã mới.',
    en: 'This dynamic QR has expired; ask the vendor for a new one.',
  },
  STALL_NOT_ACTIVE: {
    vi: 'Sạp này đang tạm ngừng nhận thanh toán qua QR.',
    en: 'The stall is not taking QR payments now.',
  },
  UNREGISTERED_PAYLOAD: {
    vi: 'Mã QR chuyển tiền vào tài khoản của sạp nhưng không do hệ thống cấp. Hãy báo ban quản lý chợ.',
    en: "The QR pays a stall's account but was not issued by MarketQR.",
  },
  UNKNOWN_ACCOUNT: {
    vi: 'Tài khoản nhận không thuộc sạp nào của chợ. Có thể là mã giả: đừng thanh toán, hãy báo ban quản lý chợ.',
    en: "The receiving account is none of the market's stalls: probably a fake QR.",
  },
  TAMPERED: {
    vi: 'Mã QR đã bị sửa (sai mã kiểm tra). Đừng thanh toán.',
    en: 'The payload was altered after it was made (CRC mismatch).',
  },
  NOT_VIETQR: {
    vi: 'Đây không phải mã VietQR chuyển khoản.',
    en: 'Not a VietQR (NAPAS 247) payment code.',
  },
  MALFORMED: {
    vi: 'Không đọc được nội dung mã QR.',
    en: 'Not a readable payment QR payload.',
  },
};
