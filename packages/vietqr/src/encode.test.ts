import { crc16, formatCrc } from './crc';
import { decodeQr } from './decode';
import { encodeEmvco, encodeVietQr, validateVietQr, type VietQrInput } from './encode';
import { VietQrError } from './errors';

/** The error encodeVietQr throws for `input`, or a failure if it does not throw. */
function encodeError(input: VietQrInput, opts = {}): VietQrError {
  try {
    encodeVietQr(input, opts);
  } catch (e) {
    if (e instanceof VietQrError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

const base: VietQrInput = { bin: '970436', accountNumber: '0123456789' };

describe('encodeVietQr: layout', () => {
  it('writes a static Vietcombank QR object by object', () => {
    const p = encodeVietQr(base);
    const body =
      '000201' +
      '010211' +
      '3854' +
      '0010A000000727' +
      '0124' +
      '0006970436' +
      '01100123456789' +
      '0208QRIBFTTA' +
      '5303704' +
      '5802VN' +
      '6304';
    expect(p).toBe(body + formatCrc(crc16(body)));
  });

  it('is dynamic (01=12) with the amount in 54 when an amount is given', () => {
    const p = encodeVietQr({ ...base, amount: 50000 });
    expect(p).toContain('010212');
    expect(p).toContain('540550000');
    expect(decodeQr(p)).toMatchObject({ valid: true, pointOfInitiation: 'dynamic', amount: '50000' });
  });

  it('accepts the amount as a digit string and drops leading zeros', () => {
    expect(decodeQr(encodeVietQr({ ...base, amount: '0050000' })).amount).toBe('50000');
  });

  it('allows a static QR with a fixed amount when asked', () => {
    const d = decodeQr(encodeVietQr({ ...base, amount: 5000, pointOfInitiation: 'static' }));
    expect(d).toMatchObject({ valid: true, pointOfInitiation: 'static', amount: '5000' });
  });

  it('uses QRIBFTTC for a card', () => {
    const d = decodeQr(encodeVietQr({ ...base, accountNumber: '9704366614528975', service: 'card' }));
    expect(d).toMatchObject({ valid: true, serviceCode: 'QRIBFTTC', accountNumber: '9704366614528975' });
  });

  it('folds 59, 60 and 62 to ASCII and keeps diacritics in 64', () => {
    const p = encodeVietQr({
      ...base,
      amount: 120000,
      merchantName: 'Lê Thị Hoa',
      merchantCity: 'Hà Nội',
      purpose: 'Sạp 12 đơn 4521',
      storeLabel: 'Chợ Đồng Xuân',
      alternateLanguage: { name: 'Lê Thị Hoa', city: 'Hà Nội' },
    });
    expect(p).toContain('5910Le Thi Hoa');
    expect(p).toContain('6006Ha Noi');
    expect(decodeQr(p)).toMatchObject({
      valid: true,
      merchantName: 'Le Thi Hoa',
      merchantCity: 'Ha Noi',
      purpose: 'Sap 12 don 4521',
      storeLabel: 'Cho Dong Xuan',
      alternateLanguage: { language: 'vi', name: 'Lê Thị Hoa', city: 'Hà Nội' },
    });
    // 64's length counts characters: "Lê Thị Hoa" is 10 code points (13 UTF-8 bytes).
    expect(p).toContain('0110Lê Thị Hoa');
  });

  it('normalises 64 to NFC so a decomposed name is measured as a person counts it', () => {
    const p = encodeVietQr({ ...base, alternateLanguage: { name: 'Nguyễn Thị Thanh Hương'.normalize('NFD') } });
    expect(decodeQr(p).alternateLanguage?.name).toBe('Nguyễn Thị Thanh Hương');
    expect(p).toContain('0122Nguyễn');
  });

  it('writes every 62 sub-field in ascending order', () => {
    const p = encodeVietQr({
      ...base,
      purpose: 'P',
      billNumber: 'B',
      mobileNumber: 'M',
      storeLabel: 'S',
      loyaltyNumber: 'L',
      referenceLabel: 'R',
      customerLabel: 'C',
      terminalLabel: 'T',
      consumerDataRequest: 'AME',
    });
    expect(p).toContain('6247' + '0101B0201M0301S0401L0501R0601C0701T0801P0903AME');
  });

  it('treats empty optional strings as absent', () => {
    expect(encodeVietQr({ ...base, purpose: '', merchantName: '' })).toBe(encodeVietQr(base));
  });

  it.each([
    ['Vietcombank', '970436', 'VCB'],
    ['MB', '970422', 'MB'],
    ['MoMo', '971025', 'momo'],
    ['CAKE', '546034', 'CAKE'],
    ['Timo', '963388', 'TIMO'],
    ['HSBC', '458761', 'HSBC'],
  ])('encodes a transfer to %s (BIN %s) that decodes back with its bank', (shortName, bin, code) => {
    const d = decodeQr(encodeVietQr({ bin, accountNumber: '1234567890', amount: 250000, purpose: 'SAP12 DON4521' }));
    expect(d).toMatchObject({ valid: true, crcValid: true, scheme: 'vietqr', bin, accountNumber: '1234567890' });
    expect(d.bank).toMatchObject({ bin, code });
    expect(d.bank?.shortName.toLowerCase()).toContain(shortName.toLowerCase().slice(0, 4));
  });
});

describe('encodeVietQr: refusals carry a code and a path', () => {
  it.each<[string, Partial<VietQrInput>, string, string]>([
    ['a 26-character purpose', { purpose: 'x'.repeat(26) }, 'QR.FIELD_TOO_LONG', '62.08'],
    ['a 26-character name', { merchantName: 'Nguyễn Thị Thanh Hương Anh' }, 'QR.FIELD_TOO_LONG', '59'],
    ['a 16-character city', { merchantCity: 'Thành phố Hồ Chí' }, 'QR.FIELD_TOO_LONG', '60'],
    ['an 11-character postal code', { postalCode: '12345678901' }, 'QR.FIELD_TOO_LONG', '61'],
    [
      'a 26-character 64 name',
      { alternateLanguage: { name: 'Nguyễn Thị Thanh Hương Anh' } },
      'QR.FIELD_TOO_LONG',
      '64.01',
    ],
    [
      'a 16-character 64 city',
      { alternateLanguage: { name: 'A', city: 'Thành phố Hồ Chí' } },
      'QR.FIELD_TOO_LONG',
      '64.02',
    ],
    ['a Chinese name', { merchantName: '张三' }, 'QR.INVALID_CHARSET', '59'],
    ['an emoji purpose', { purpose: 'Cảm ơn 🙏' }, 'QR.INVALID_CHARSET', '62.08'],
    ['a newline in a bill number', { billNumber: 'a\nb' }, 'QR.INVALID_CHARSET', '62.01'],
    ['a control in 64', { alternateLanguage: { name: 'a\u0007' } }, 'QR.INVALID_CHARSET', '64.01'],
    ['a 64 without a name', { alternateLanguage: { name: '' } }, 'QR.MISSING_FIELD', '64.01'],
    ['a 3-letter language', { alternateLanguage: { name: 'A', language: 'vie' } }, 'QR.INVALID_VALUE', '64.00'],
    ['a zero amount', { amount: 0 }, 'QR.INVALID_AMOUNT', '54'],
    ['a negative amount', { amount: -5 }, 'QR.INVALID_AMOUNT', '54'],
    ['a fractional amount', { amount: 1000.5 }, 'QR.INVALID_AMOUNT', '54'],
    ['a decimal string amount', { amount: '1000.00' }, 'QR.INVALID_AMOUNT', '54'],
    ['a NaN amount', { amount: Number.NaN }, 'QR.INVALID_AMOUNT', '54'],
    ['an amount at the NAPAS limit', { amount: 500_000_000 }, 'QR.INVALID_AMOUNT', '54'],
    ['a 10-digit string amount', { amount: '1000000000' }, 'QR.INVALID_AMOUNT', '54'],
    ['a dynamic QR without amount', { pointOfInitiation: 'dynamic' }, 'QR.MISSING_FIELD', '54'],
    ['a BIN not in the list', { bin: '123456' }, 'QR.UNKNOWN_BIN', '38.01.00'],
    ['a 5-digit BIN', { bin: '97043' }, 'QR.INVALID_BIN', '38.01.00'],
    ['no BIN', { bin: '' }, 'QR.MISSING_FIELD', '38.01.00'],
    ['an empty account', { accountNumber: '' }, 'QR.INVALID_ACCOUNT', '38.01.01'],
    ['a 20-digit account', { accountNumber: '1'.repeat(20) }, 'QR.INVALID_ACCOUNT', '38.01.01'],
    ['letters in an account', { accountNumber: 'PSP123' }, 'QR.INVALID_ACCOUNT', '38.01.01'],
    ['a spaced account', { accountNumber: '0123 456' }, 'QR.INVALID_ACCOUNT', '38.01.01'],
    ['letters in a card number', { accountNumber: '9704X', service: 'card' }, 'QR.INVALID_ACCOUNT', '38.01.01'],
    ['an MCC of 3 digits', { mcc: '541' }, 'QR.INVALID_VALUE', '52'],
    ['a bad consumer data request', { consumerDataRequest: 'AA' }, 'QR.INVALID_VALUE', '62.09'],
    ['an unknown service', { service: 'wallet' as 'card' }, 'QR.INVALID_VALUE', '38.02'],
  ])('refuses %s', (_what, patch, code, path) => {
    const e = encodeError({ ...base, ...patch });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('VietQrError');
    expect({ code: e.code, path: e.path }).toEqual({ code, path });
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('refuses a 62 template over 99 characters in all', () => {
    const e = encodeError({
      ...base,
      purpose: 'p'.repeat(25),
      billNumber: 'b'.repeat(25),
      storeLabel: 's'.repeat(25),
      terminalLabel: 't'.repeat(25),
    });
    expect({ code: e.code, path: e.path }).toEqual({ code: 'QR.FIELD_TOO_LONG', path: '62' });
  });

  it('accepts wallet and alias accounts and unknown BINs when told to', () => {
    const opts = { allowAlphanumericAccount: true, allowUnknownBin: true };
    const d = decodeQr(encodeVietQr({ bin: '971025', accountNumber: 'PSP123456789000000' }, opts));
    expect(d).toMatchObject({ valid: true, accountNumber: 'PSP123456789000000' });
    const u = decodeQr(encodeVietQr({ bin: '123456', accountNumber: '1' }, opts));
    expect(u.crcValid).toBe(true);
    expect(u.errors.map((e) => e.code)).toEqual(['QR.UNKNOWN_BIN']);
    expect(u.valid).toBe(true);
  });

  it('validateVietQr lists every problem at once', () => {
    const problems = validateVietQr({ bin: '1', accountNumber: '', amount: 0, purpose: '😀' });
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['QR.INVALID_BIN', '38.01.00'],
      ['QR.INVALID_ACCOUNT', '38.01.01'],
      ['QR.INVALID_AMOUNT', '54'],
      ['QR.INVALID_CHARSET', '62.08'],
    ]);
    expect(validateVietQr(base)).toEqual([]);
  });

  it('survives JavaScript callers passing the wrong types', () => {
    expect(encodeError({ bin: 970436, accountNumber: 123 } as unknown as VietQrInput).code).toBe('QR.INVALID_BIN');
    expect(validateVietQr(null as unknown as VietQrInput)[0]?.code).toBe('QR.MISSING_FIELD');
    expect(encodeError({ ...base, amount: {} as unknown as number }).code).toBe('QR.INVALID_AMOUNT');
    expect(encodeError({ ...base, merchantName: 5 as unknown as string }).code).toBe('QR.INVALID_VALUE');
  });
});

describe('encodeEmvco', () => {
  it('serialises nested objects in the order given and appends the CRC', () => {
    const p = encodeEmvco([
      { id: '00', value: '01' },
      { id: '62', value: [{ id: '08', value: 'abc' }] },
      { id: '29', value: [{ id: '00', value: 'X' }] },
    ]);
    expect(p.slice(0, -4)).toBe('0002016207' + '0803abc' + '2905' + '0001X' + '6304');
    expect(decodeQr(p).crcValid).toBe(true);
  });

  it.each<[string, Parameters<typeof encodeEmvco>[0], string, string]>([
    ['an empty value', [{ id: '59', value: '' }], 'QR.ZERO_LENGTH', '59'],
    ['a value over 99', [{ id: '59', value: 'x'.repeat(100) }], 'QR.FIELD_TOO_LONG', '59'],
    [
      'a nested value over 99',
      [{ id: '62', value: [{ id: '08', value: 'x'.repeat(100) }] }],
      'QR.FIELD_TOO_LONG',
      '62.08',
    ],
    ['a non-digit ID', [{ id: '5A', value: 'x' }], 'QR.INVALID_ID', ''],
    ['a CRC object', [{ id: '63', value: 'ABCD' }], 'QR.INVALID_VALUE', '63'],
    [
      'more than 512 characters',
      Array.from({ length: 6 }, (_, i) => ({ id: String(80 + i), value: 'x'.repeat(95) })),
      'QR.PAYLOAD_TOO_LONG',
      '',
    ],
  ])('refuses %s', (_what, objects, code, path) => {
    expect(() => encodeEmvco(objects)).toThrow(expect.objectContaining({ code, path }));
  });
});
