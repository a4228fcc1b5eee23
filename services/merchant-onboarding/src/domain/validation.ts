import { findBank, foldToAscii } from '@marketqr/vietqr';
import { DomainError } from '@marketqr/service-kit';

/**
 * Input rules for people, stalls and bank accounts. Each failure is a 400 with a stable code and the field, so a form
 * can point at it; nothing is stored when any rule fails.
 */
const invalid = (code: string, field: string, message: string) => new DomainError(code, message, 'invalid', { field });

/**
 * Vietnamese mobile numbers: 10 digits starting 03, 05, 07, 08 or 09 (the prefixes since the 2018 renumbering), written
 * 0xxxxxxxxx, +84xxxxxxxxx or 84xxxxxxxxx, with spaces, dots or dashes. Stored as 0xxxxxxxxx.
 */
export function normalisePhone(raw: string, field = 'phone'): string {
  const compact = raw.replace(/[\s.-]/g, '');
  const national = compact.replace(/^(\+84|84)(?=[35789]\d{8}$)/, '0');
  if (!/^0[35789]\d{8}$/.test(national)) {
    throw invalid('MERCHANT.INVALID_PHONE', field, 'a Vietnamese mobile number such as 0912 345 678 is expected');
  }
  return national;
}

/** A BIN must name a bank that takes VietQR/NAPAS 247 transfers (the list in @marketqr/vietqr). */
export function requireKnownBin(bin: string, field = 'payoutAccount.bin'): string {
  if (!/^\d{6}$/.test(bin) || !findBank(bin)) {
    throw invalid('MERCHANT.UNKNOWN_BIN', field, `bank BIN ${JSON.stringify(bin)} is not a known Vietnamese bank`);
  }
  return bin;
}

/**
 * Bank account numbers in Vietnam are 6–19 digits (cards 16–19); VietQR tag 38/01/01 carries at most 19 characters.
 * Letters appear only in some virtual accounts, which vendors do not enter.
 */
export function requireAccountNumber(raw: string, field = 'payoutAccount.accountNumber'): string {
  const compact = raw.replace(/\s/g, '');
  if (!/^\d{6,19}$/.test(compact)) {
    throw invalid('MERCHANT.INVALID_ACCOUNT_NUMBER', field, 'an account number of 6 to 19 digits is expected');
  }
  return compact;
}

/** Stall codes as painted on the stall: letters, digits and dashes, e.g. `A-12`, `CA-03`; stored upper-case. */
export function normaliseStallCode(raw: string, field = 'stallCode'): string {
  const code = raw.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{0,11}$/.test(code)) {
    throw invalid(
      'MERCHANT.INVALID_STALL_CODE',
      field,
      'a stall code of up to 12 letters, digits or dashes (A-12) is expected',
    );
  }
  return code;
}

/** A person's full name: letters (with Vietnamese diacritics), spaces and a few marks; kept exactly as typed, trimmed. */
export function requirePersonName(raw: string, field = 'vendor.fullName'): string {
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length < 2 || name.length > 100 || !/^[\p{L}][\p{L}\p{M} .'-]*$/u.test(name)) {
    throw invalid('MERCHANT.INVALID_NAME', field, 'a full name of 2 to 100 letters is expected');
  }
  return name;
}

/**
 * Banks return the holder name upper-case without diacritics ("NGUYEN THI HOA"); vendors type "Nguyễn Thị Hoa".
 * Compare after folding diacritics (đ → d) and case, and collapsing spaces.
 */
export function foldName(name: string): string {
  return foldToAscii(name.normalize('NFC'))
    .toUpperCase()
    .replace(/[^A-Z ]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function namesMatch(typed: string, fromBank: string): boolean {
  return foldName(typed) === foldName(fromBank);
}

/** Goods categories used in statistics: the closed list lives in the contracts, with the names people read. */
export { CATEGORIES, type Category } from '@marketqr/contracts';
