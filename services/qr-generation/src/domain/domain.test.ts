import { z } from 'zod';
import { decodeQr, encodeVietQr } from '@marketqr/vietqr';
import { stableEventId } from '../events';
import { CODE_ALPHABET, newOrderCode, newPosterSerial, ORDER_CODE_PATTERN } from './codes';
import { parseDynamicRequest } from './dynamic-request';
import { accountKeyOf, effectiveStatus, type Merchant, type QrRecord } from './model';
import { dynamicPayload, fitName, payloadHash, posterTextOf, staticPayload } from './payload';
import { classifyPayload, decide, normalisedHash, type Classification, type LookupResult } from './verdict';

const account = { bin: '970436', accountNumber: '9001234567012' };
const merchant = { vendorName: 'Nguyễn Thị Hoa', stallCode: 'BT-A012' };

describe('codes', () => {
  test('order codes: MQ + 8 symbols none of which reads as another (no 0/O, 1/I/L)', () => {
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    const codes = new Set(Array.from({ length: 2_000 }, newOrderCode));
    expect(codes.size).toBe(2_000);
    for (const c of codes) expect(c).toMatch(ORDER_CODE_PATTERN);
    expect(newPosterSerial()).toMatch(new RegExp(`^PS[${CODE_ALPHABET}]{8}$`));
  });

  test('event ids derived from (QR, type) are stable RFC 9562 v5 UUIDs', () => {
    const a = stableEventId('qr_1', 'qr.revoked');
    expect(z.uuid().safeParse(a).success).toBe(true);
    expect(a[14]).toBe('5');
    expect(stableEventId('qr_1', 'qr.revoked')).toBe(a);
    expect(stableEventId('qr_1', 'qr.expired')).not.toBe(a);
    expect(stableEventId('qr_2', 'qr.revoked')).not.toBe(a);
  });
});

describe('payloads', () => {
  test('names are shortened at a word boundary, never refused', () => {
    expect(fitName('Nguyễn Thị Hoa', 25)).toBe('Nguyễn Thị Hoa');
    expect(fitName('Tôn Nữ Thị Phương Thảo Nguyễn Hoàng', 25)).toBe('Tôn Nữ Thị Phương Thảo');
    expect(fitName('Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 25)).toHaveLength(25);
  });

  test('a static poster: folded 59, NFC 64, stall code in 62/03 and 62/08, serial in 62/07', () => {
    // Typed on a keyboard that writes decomposed diacritics: "e" + U+0302 + U+0303.
    const decomposed = 'Nguyễn Thị Hoa'.normalize('NFD');
    const p = staticPayload({ merchant: { ...merchant, vendorName: decomposed }, account, posterSerial: 'PS22222222' });
    const d = decodeQr(p);
    expect(d).toMatchObject({
      valid: true,
      pointOfInitiation: 'static',
      merchantName: 'Nguyen Thi Hoa',
      purpose: 'BT-A012',
      storeLabel: 'BT-A012',
      terminalLabel: 'PS22222222',
      alternateLanguage: { language: 'vi', name: 'Nguyễn Thị Hoa' },
    });
    expect(d.merchantCity).toBeUndefined();
  });

  test('names with no ASCII form or over 25 characters still make a valid payload', () => {
    const p = staticPayload({
      merchant: { vendorName: 'Bà Tư 🍜 Phở Gia Truyền Nam Định Chính Gốc', stallCode: 'F-7' },
      account,
      city: 'Thành phố Hồ Chí Minh',
      posterSerial: 'PS22222222',
    });
    const d = decodeQr(p);
    expect(d.valid).toBe(true);
    expect(d.merchantName).toBe('Ba Tu Pho Gia Truyen Nam');
    expect([...(d.alternateLanguage?.name ?? '')].length).toBeLessThanOrEqual(25);
    expect(d.merchantCity!.length).toBeLessThanOrEqual(15);
  });

  test('a dynamic QR carries the amount and the order code in 62/01 and 62/08', () => {
    const d = decodeQr(dynamicPayload({ merchant, account, orderCode: 'MQ23456789', amount: 75_000 }));
    expect(d).toMatchObject({
      valid: true,
      pointOfInitiation: 'dynamic',
      amount: '75000',
      billNumber: 'MQ23456789',
      purpose: 'MQ23456789',
    });
  });
});

test("the poster prints the bank's holder name, or the folded vendor name until the bank has answered", () => {
  const stallNow = {
    _id: 's',
    marketId: 'm',
    marketName: 'Chợ Lớn',
    zone: 'Khu B',
    stallCode: 'CL-9',
    vendorName: 'Lê Văn Đức',
    status: 'active' as const,
    lastEventAt: new Date(),
    lastEventId: 'e',
    lastEventType: 'merchant.activated',
    updatedAt: new Date(),
  };
  expect(posterTextOf({ ...stallNow, holderName: 'LE VAN DUC' }, account).holderName).toBe('LE VAN DUC');
  expect(posterTextOf({ ...stallNow, holderName: null }, account)).toMatchObject({
    holderName: 'LE VAN DUC',
    bankShortName: 'Vietcombank',
    vendorName: 'Lê Văn Đức',
  });
});

describe('dynamic QR request', () => {
  const ttl = { defaultSeconds: 900, minSeconds: 60, maxSeconds: 3_600 };
  test('defaults and normalisation', () => {
    expect(parseDynamicRequest({ amount: 1 }, ttl)).toEqual({ amount: 1, note: null, ttlSeconds: 900 });
    expect(
      parseDynamicRequest({ amount: 499_999_999, note: '  Cá lóc '.normalize('NFD'), ttlSeconds: 60 }, ttl),
    ).toEqual({
      amount: 499_999_999,
      note: 'Cá lóc',
      ttlSeconds: 60,
    });
  });
  test.each([
    [null, 'QR.INVALID_REQUEST'],
    ['50000', 'QR.INVALID_REQUEST'],
    [{ amount: Number.NaN }, 'QR.INVALID_AMOUNT'],
    [{ amount: Number.MAX_SAFE_INTEGER + 2 }, 'QR.INVALID_AMOUNT'],
    [{ amount: 500_000_000 }, 'QR.AMOUNT_TOO_LARGE'],
    [{ amount: 1, ttlSeconds: 59 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 1, ttlSeconds: 3_601 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 1, note: 42 }, 'QR.INVALID_NOTE'],
  ])('%j → %s', (body, code) => {
    expect(() => parseDynamicRequest(body, ttl)).toThrow(expect.objectContaining({ code }));
  });
});

describe('verdicts', () => {
  const now = new Date('2025-03-01T08:00:00Z');
  const payload = staticPayload({ merchant, account, posterSerial: 'PS22222222' });
  const m: Merchant = {
    _id: 'stall-1',
    marketId: 'market-1',
    marketName: 'Chợ Bến Thành',
    zone: 'Khu A',
    stallCode: 'BT-A012',
    vendorName: 'Nguyễn Thị Hoa',
    virtualAccount: account,
    accountKey: accountKeyOf(account),
    status: 'active',
    lastEventAt: now,
    lastEventId: 'e',
    lastEventType: 'merchant.activated',
    updatedAt: now,
  };
  const qr = (over: Partial<QrRecord> = {}): QrRecord =>
    ({
      _id: 'qr_1',
      kind: 'static',
      status: 'active',
      merchantId: m._id,
      marketId: m.marketId,
      accountKey: accountKeyOf(account),
      payload,
      payloadHash: payloadHash(payload),
      issuedAt: new Date('2025-02-01T00:00:00Z'),
      expiresAt: null,
      ...over,
    }) as QrRecord;
  const lookup = (text: string) => {
    const c = classifyPayload(text);
    if (c.kind !== 'lookup') throw new Error(`expected a lookup, got ${c.kind}`);
    return c;
  };
  const found = (over: Partial<LookupResult>): LookupResult => ({
    registered: [],
    merchantByAccount: null,
    anyQrForAccount: null,
    merchantsById: new Map([[m._id, m]]),
    ...over,
  });
  const verdictOf = (c: Extract<Classification, { kind: 'lookup' }>, r: LookupResult) => decide(c, r, now).verdict;

  test('decided without lookups: unreadable payloads', () => {
    expect(classifyPayload('')).toMatchObject({ kind: 'final', verdict: 'MALFORMED' });
    expect(classifyPayload('hello')).toMatchObject({ kind: 'final', verdict: 'MALFORMED' });
    expect(classifyPayload(payload.slice(0, 60))).toMatchObject({ kind: 'final', verdict: 'MALFORMED' });
    expect(classifyPayload(`${payload.slice(0, -4)}ZZZZ`)).toMatchObject({ kind: 'final', verdict: 'MALFORMED' });
  });

  test('a lowercase CRC or a trailing newline is the same registered payload', () => {
    const lower = payload.slice(0, -4) + payload.slice(-4).toLowerCase();
    expect(normalisedHash(lower)).toBe(payloadHash(payload));
    expect(normalisedHash(`${payload}\r\n`)).toBe(payloadHash(payload));
  });

  test('registered QRs: genuine, revoked, expired (even before the sweeper), stall not active', () => {
    const c = lookup(payload);
    expect(verdictOf(c, found({ registered: [qr()] }))).toBe('GENUINE');
    expect(verdictOf(c, found({ registered: [qr({ status: 'revoked' })] }))).toBe('REVOKED');
    expect(verdictOf(c, found({ registered: [qr({ kind: 'dynamic', expiresAt: new Date(now.getTime() - 1) })] }))).toBe(
      'EXPIRED',
    );
    const suspended = new Map([[m._id, { ...m, status: 'suspended' as const }]]);
    expect(verdictOf(c, found({ registered: [qr()], merchantsById: suspended }))).toBe('STALL_NOT_ACTIVE');
    // One payload issued twice: the active record answers.
    const both = [qr({ _id: 'old', status: 'revoked' }), qr({ _id: 'new' })];
    expect(decide(c, found({ registered: both }), now).qr?._id).toBe('new');
  });

  test('unregistered payloads: our account or not', () => {
    const homemade = lookup(encodeVietQr({ ...account, amount: 10_000 }));
    expect(verdictOf(homemade, found({ merchantByAccount: m }))).toBe('UNREGISTERED_PAYLOAD');
    expect(verdictOf(homemade, found({ anyQrForAccount: qr() }))).toBe('UNREGISTERED_PAYLOAD');
    expect(verdictOf(homemade, found({}))).toBe('UNKNOWN_ACCOUNT');
  });

  test('a bad CRC is TAMPERED whatever the registry says', () => {
    const edited = payload.replace('BT-A012', 'BT-A013');
    const c = lookup(edited);
    expect(c.tampered).toBe(true);
    expect(verdictOf(c, found({ merchantByAccount: m }))).toBe('TAMPERED');
  });

  test('effective status', () => {
    expect(effectiveStatus({ status: 'active', expiresAt: null }, now)).toBe('active');
    expect(effectiveStatus({ status: 'active', expiresAt: now }, now)).toBe('expired');
    expect(effectiveStatus({ status: 'revoked', expiresAt: now }, now)).toBe('revoked');
  });
});
