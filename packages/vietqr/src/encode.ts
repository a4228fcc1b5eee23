import { findBank } from './banks';
import { codePointLength, describeChar, firstNonAns, foldToAscii, isAns, isUnicodeText } from './charset';
import { withCrc } from './crc';
import { VietQrError, type QrProblem } from './errors';
import { NAPAS_GUID } from './schemes';
import { problem, tlv, tlvAscii as tlvA } from './tlv';

/** The text fields of template 62, named as `decodeQr` names them. */
export interface AdditionalDataInput {
  /** 62.01 */
  billNumber?: string;
  /** 62.02 */
  mobileNumber?: string;
  /** 62.03 */
  storeLabel?: string;
  /** 62.04 */
  loyaltyNumber?: string;
  /** 62.05 */
  referenceLabel?: string;
  /** 62.06 */
  customerLabel?: string;
  /** 62.07 */
  terminalLabel?: string;
  /**
   * 62.08, the one field that reaches the receiver: NAPAS turns it into the transfer description (banks then prefix,
   * fold and may cut it). Put a short unique code here and match it case-insensitively anywhere in the description.
   */
  purpose?: string;
  /** 62.09: up to three of "A" (address), "M" (mobile), "E" (email) the payer's app should ask for. */
  consumerDataRequest?: string;
}

export interface VietQrInput extends AdditionalDataInput {
  /** 38.01.00: 6-digit BIN of the receiving bank, from the bank list. */
  bin: string;
  /** 38.01.01: account number, or card number with `service: 'card'`. At most 19 characters. */
  accountNumber: string;
  /** 38.02: `account` → QRIBFTTA (default), `card` → QRIBFTTC. */
  service?: 'account' | 'card';
  /** 54: whole đồng, 1 to 499,999,999, as a number or a digit string. */
  amount?: number | string;
  /**
   * 01: defaults to `dynamic` when there is an amount, `static` when not. A static QR with an amount is allowed
   * (a poster with a fixed price, reused by every payer); a dynamic one without is not.
   */
  pointOfInitiation?: 'static' | 'dynamic';
  /** 52: ISO 18245 merchant category code, 4 digits (5411 groceries, 5499 food stores). */
  mcc?: string;
  /** 59: folded to ASCII, then at most 25 characters. */
  merchantName?: string;
  /** 60: folded to ASCII, then at most 15 characters. */
  merchantCity?: string;
  /** 61: folded to ASCII, then at most 10 characters. */
  postalCode?: string;
  /** 64: the name and city as people write them, diacritics kept. */
  alternateLanguage?: {
    /** ISO 639-1, default `vi`. */
    language?: string;
    /** At most 25 characters. */
    name: string;
    /** At most 15 characters. */
    city?: string;
  };
}

export interface EncodeOptions {
  /**
   * Accept letters in an account number (ans, as NAPAS allows). Off by default because a bank account is digits and
   * a letter there is usually a typo; wallets behind NAPAS (MoMo's `PSP…` accounts) and alias accounts need it on.
   * Card numbers are always digits.
   */
  allowAlphanumericAccount?: boolean;
  /** Accept a well-formed BIN that is not in the bank list (a bank that joined after the list was taken). */
  allowUnknownBin?: boolean;
}

const NAPAS_LIMIT = 500_000_000;

interface Ctx {
  problems: QrProblem[];
}

function fail(ctx: Ctx, ...args: Parameters<typeof problem>): undefined {
  ctx.problems.push(problem(...args));
  return undefined;
}

/** Empty strings and absent values both mean "leave the object out": EMVCo has no empty objects. */
function optionalText(ctx: Ctx, path: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return fail(ctx, 'QR.INVALID_VALUE', path, `${path} must be a string, not ${typeof v}`);
  return v;
}

/** An ans field: folded to ASCII, then checked for leftovers and length. */
function ansText(ctx: Ctx, path: string, v: unknown, max: number): string | undefined {
  const raw = optionalText(ctx, path, v);
  if (raw === undefined) return undefined;
  const text = foldToAscii(raw);
  if (!isAns(text)) {
    const bad = firstNonAns(text) ?? '';
    return fail(
      ctx,
      'QR.INVALID_CHARSET',
      path,
      `${path} allows printable ASCII only; ${describeChar(bad)} has no ASCII form`,
    );
  }
  if (text.length > max)
    return fail(
      ctx,
      'QR.FIELD_TOO_LONG',
      path,
      `${path} allows ${max} characters; ${JSON.stringify(text)} has ${text.length}`,
    );
  return text;
}

/** An S field (template 64): NFC so that a decomposed "ệ" counts as one character, as a person counts it. */
function unicodeText(ctx: Ctx, path: string, v: unknown, max: number): string | undefined {
  const raw = optionalText(ctx, path, v);
  if (raw === undefined) return undefined;
  const text = raw.normalize('NFC');
  if (!isUnicodeText(text))
    return fail(ctx, 'QR.INVALID_CHARSET', path, `${path} holds a control character or a lone surrogate`);
  const n = codePointLength(text);
  if (n > max) return fail(ctx, 'QR.FIELD_TOO_LONG', path, `${path} allows ${max} characters; it has ${n}`);
  return text;
}

function amountText(ctx: Ctx, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let digits: string;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v))
      return fail(ctx, 'QR.INVALID_AMOUNT', '54', `amount ${v} is not a whole number of đồng (VND has no decimals)`);
    if (v <= 0) return fail(ctx, 'QR.INVALID_AMOUNT', '54', `amount ${v} must be over 0`);
    digits = String(v);
  } else if (typeof v === 'string') {
    if (!/^\d+$/.test(v))
      return fail(
        ctx,
        'QR.INVALID_AMOUNT',
        '54',
        `amount ${JSON.stringify(v)} is not a whole number of đồng in digits`,
      );
    // Leading zeros carry nothing and would make "050000" and "50000" two payloads for one price.
    digits = v.replace(/^0+(?=\d)/, '');
  } else return fail(ctx, 'QR.INVALID_AMOUNT', '54', `amount must be a number or a digit string, not ${typeof v}`);
  if (digits === '0') return fail(ctx, 'QR.INVALID_AMOUNT', '54', 'amount must be over 0');
  if (digits.length > 9 || Number(digits) >= NAPAS_LIMIT)
    return fail(ctx, 'QR.INVALID_AMOUNT', '54', `amount ${digits} is not under the NAPAS 247 limit of 500,000,000 VND`);
  return digits;
}

function binText(ctx: Ctx, v: unknown, opts: EncodeOptions): string | undefined {
  const path = '38.01.00';
  if (v === undefined || v === null || v === '') return fail(ctx, 'QR.MISSING_FIELD', path, 'bin is required');
  if (typeof v !== 'string' || !/^\d{6}$/.test(v))
    return fail(ctx, 'QR.INVALID_BIN', path, `bin ${JSON.stringify(v)} is not 6 digits`);
  if (!opts.allowUnknownBin && !findBank(v))
    return fail(ctx, 'QR.UNKNOWN_BIN', path, `bin ${v} is not in the bank list`);
  return v;
}

function accountText(ctx: Ctx, v: unknown, card: boolean, opts: EncodeOptions): string | undefined {
  const path = '38.01.01';
  const what = card ? 'card number' : 'account number';
  if (v === undefined || v === null || v === '') return fail(ctx, 'QR.INVALID_ACCOUNT', path, `${what} is required`);
  if (typeof v !== 'string') return fail(ctx, 'QR.INVALID_ACCOUNT', path, `${what} must be a string, not ${typeof v}`);
  if (codePointLength(v) > 19)
    return fail(
      ctx,
      'QR.INVALID_ACCOUNT',
      path,
      `${what} has ${codePointLength(v)} characters; at most 19 are allowed`,
    );
  const digitsOnly = card || !opts.allowAlphanumericAccount;
  if (digitsOnly && !/^\d+$/.test(v))
    return fail(
      ctx,
      'QR.INVALID_ACCOUNT',
      path,
      `${what} ${JSON.stringify(v)} must be digits` +
        (card ? '' : ' (allowAlphanumericAccount accepts wallet and alias accounts)'),
    );
  if (!isAns(v)) return fail(ctx, 'QR.INVALID_ACCOUNT', path, `${what} ${JSON.stringify(v)} must be printable ASCII`);
  return v;
}

/** Builds the payload or collects every problem with the input; never throws. */
function build(input: VietQrInput, opts: EncodeOptions): { payload?: string; problems: QrProblem[] } {
  const ctx: Ctx = { problems: [] };
  if (typeof input !== 'object' || input === null) {
    fail(ctx, 'QR.MISSING_FIELD', '', 'input must be an object with at least bin and accountNumber');
    return ctx;
  }
  const card = input.service === 'card';
  if (input.service !== undefined && input.service !== 'account' && !card)
    fail(ctx, 'QR.INVALID_VALUE', '38.02', `service ${JSON.stringify(input.service)} is neither "account" nor "card"`);
  const bin = binText(ctx, input.bin, opts);
  const account = accountText(ctx, input.accountNumber, card, opts);
  const amount = amountText(ctx, input.amount);

  let dynamic = amount !== undefined;
  if (input.pointOfInitiation === 'dynamic') {
    dynamic = true;
    if (amount === undefined && !ctx.problems.some((p) => p.path === '54'))
      fail(ctx, 'QR.MISSING_FIELD', '54', 'a dynamic QR needs an amount');
  } else if (input.pointOfInitiation === 'static') dynamic = false;
  else if (input.pointOfInitiation !== undefined)
    fail(
      ctx,
      'QR.INVALID_VALUE',
      '01',
      `pointOfInitiation ${JSON.stringify(input.pointOfInitiation)} is neither static nor dynamic`,
    );

  const mcc = optionalText(ctx, '52', input.mcc);
  if (mcc !== undefined && !/^\d{4}$/.test(mcc))
    fail(ctx, 'QR.INVALID_VALUE', '52', `mcc ${JSON.stringify(mcc)} is not 4 digits`);
  const name = ansText(ctx, '59', input.merchantName, 25);
  const city = ansText(ctx, '60', input.merchantCity, 15);
  const postal = ansText(ctx, '61', input.postalCode, 10);

  const additional: [string, string | undefined][] = [
    ['01', ansText(ctx, '62.01', input.billNumber, 25)],
    ['02', ansText(ctx, '62.02', input.mobileNumber, 25)],
    ['03', ansText(ctx, '62.03', input.storeLabel, 25)],
    ['04', ansText(ctx, '62.04', input.loyaltyNumber, 25)],
    ['05', ansText(ctx, '62.05', input.referenceLabel, 25)],
    ['06', ansText(ctx, '62.06', input.customerLabel, 25)],
    ['07', ansText(ctx, '62.07', input.terminalLabel, 25)],
    ['08', ansText(ctx, '62.08', input.purpose, 25)],
    ['09', optionalText(ctx, '62.09', input.consumerDataRequest)],
  ];
  const cdr = additional[8]?.[1];
  if (cdr !== undefined && !/^(?!.*(.).*\1)[AME]{1,3}$/.test(cdr))
    fail(
      ctx,
      'QR.INVALID_VALUE',
      '62.09',
      `consumerDataRequest ${JSON.stringify(cdr)} is not up to 3 of "A", "M", "E"`,
    );

  let alt: string | undefined;
  if (input.alternateLanguage !== undefined && input.alternateLanguage !== null) {
    const a = input.alternateLanguage;
    const language = optionalText(ctx, '64.00', a.language) ?? 'vi';
    if (!/^[A-Za-z]{2}$/.test(language))
      fail(ctx, 'QR.INVALID_VALUE', '64.00', `language ${JSON.stringify(language)} is not a 2-letter ISO 639-1 code`);
    const altName = unicodeText(ctx, '64.01', a.name, 25);
    if (altName === undefined && (a.name === undefined || a.name === ''))
      fail(ctx, 'QR.MISSING_FIELD', '64.01', 'alternateLanguage needs a name');
    const altCity = unicodeText(ctx, '64.02', a.city, 15);
    if (altName !== undefined)
      alt = tlv('00', language) + tlv('01', altName) + (altCity === undefined ? '' : tlv('02', altCity));
  }

  if (ctx.problems.length > 0 || bin === undefined || account === undefined) return ctx;

  const napas =
    tlvA('00', NAPAS_GUID) +
    tlvA('01', tlvA('00', bin) + tlvA('01', account)) +
    tlvA('02', card ? 'QRIBFTTC' : 'QRIBFTTA');
  let data = '';
  for (const [id, v] of additional) if (v !== undefined) data += tlvA(id, v);
  if (data.length > 99)
    fail(
      ctx,
      'QR.FIELD_TOO_LONG',
      '62',
      `the additional data (62) adds up to ${data.length} characters; at most 99 fit`,
    );
  if (ctx.problems.length > 0) return ctx;

  // Ascending IDs with 63 last: any order would do, but this is the one every bank app emits and testers expect.
  const payload = withCrc(
    tlvA('00', '01') +
      tlvA('01', dynamic ? '12' : '11') +
      tlvA('38', napas) +
      (mcc === undefined ? '' : tlvA('52', mcc)) +
      tlvA('53', '704') +
      (amount === undefined ? '' : tlvA('54', amount)) +
      tlvA('58', 'VN') +
      (name === undefined ? '' : tlvA('59', name)) +
      (city === undefined ? '' : tlvA('60', city)) +
      (postal === undefined ? '' : tlvA('61', postal)) +
      (data === '' ? '' : tlvA('62', data)) +
      (alt === undefined ? '' : tlv('64', alt)),
  );
  // Only template 64 can hold non-ASCII, and code points never outnumber UTF-16 units: count only when it matters.
  const total = payload.length > 512 ? codePointLength(payload) : payload.length;
  if (total > 512) {
    fail(ctx, 'QR.PAYLOAD_TOO_LONG', '', `payload has ${total} characters; at most 512`);
    return ctx;
  }
  return { payload, problems: [] };
}

/** Every problem with the input, all of severity `error`; empty when `encodeVietQr` would succeed. */
export function validateVietQr(input: VietQrInput, opts: EncodeOptions = {}): QrProblem[] {
  return build(input, opts).problems;
}

/** Encodes a VietQR (NAPAS 247 transfer) payload. Throws VietQrError for the first problem with the input. */
export function encodeVietQr(input: VietQrInput, opts: EncodeOptions = {}): string {
  const { payload, problems } = build(input, opts);
  const first = problems[0];
  if (first) throw VietQrError.fromProblem(first);
  if (payload === undefined) throw new VietQrError('QR.MISSING_FIELD', '', 'nothing to encode');
  return payload;
}

/** One object for `encodeEmvco`: a primitive value, or a template given as its sub-objects. */
export interface EmvObjectInput {
  id: string;
  value: string | readonly EmvObjectInput[];
}

function serialize(objects: readonly EmvObjectInput[], parent: string): string {
  let out = '';
  for (const o of objects) {
    const path = parent ? `${parent}.${o.id}` : o.id;
    if (!/^\d{2}$/.test(o.id))
      throw new VietQrError('QR.INVALID_ID', parent, `ID ${JSON.stringify(o.id)} is not two digits`);
    if (!parent && o.id === '63')
      throw new VietQrError('QR.INVALID_VALUE', '63', '63 is the CRC, which encodeEmvco adds');
    const value = typeof o.value === 'string' ? o.value : serialize(o.value, path);
    const n = codePointLength(value);
    if (n === 0) throw new VietQrError('QR.ZERO_LENGTH', path, `${path} is empty; EMVCo has no empty objects`);
    if (n > 99) throw new VietQrError('QR.FIELD_TOO_LONG', path, `${path} has ${n} characters; at most 99 fit`);
    out += tlv(o.id, value);
  }
  return out;
}

/**
 * Serialises any EMVCo object tree in the order given and appends the CRC. Only the grammar is enforced (two-digit
 * IDs, lengths 1–99, 512 in all); what the objects mean is the caller's business. For PromptPay, Pix, test fixtures, and
 * for payloads deliberately out of the usual order.
 */
export function encodeEmvco(objects: readonly EmvObjectInput[]): string {
  const payload = withCrc(serialize(objects, ''));
  const total = codePointLength(payload);
  if (total > 512) throw new VietQrError('QR.PAYLOAD_TOO_LONG', '', `payload has ${total} characters; at most 512`);
  return payload;
}
