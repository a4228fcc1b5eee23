import { crc16, formatCrc, withCrc } from './crc';
import { decodeQr, MAX_DECODE_INPUT, MAX_PROBLEMS, type DecodedQr } from './decode';
import { encodeVietQr } from './encode';
import { QR_ERROR_CODES, type QrErrorCode } from './errors';

const NAPAS = '38540010A00000072701240006970436011001234567890208QRIBFTTA';
const HEAD = '000201010211' + NAPAS;
/** A VietQR body with the CRC computed, from the objects after 00/01/38. */
const vietqr = (rest: string, head = HEAD): string => withCrc(head + rest);

const codes = (d: DecodedQr): [QrErrorCode, string][] => d.errors.map((e) => [e.code, e.path]);
const errorCodes = (d: DecodedQr): [QrErrorCode, string][] =>
  d.errors.filter((e) => e.severity === 'error').map((e) => [e.code, e.path]);

describe('decodeQr: a valid VietQR', () => {
  const payload = encodeVietQr({
    bin: '970422',
    accountNumber: '0123456789',
    amount: 75000,
    mcc: '5411',
    merchantName: 'Le Thi Hoa',
    merchantCity: 'Ha Noi',
    postalCode: '100000',
    purpose: 'SAP12 DON4521',
    billNumber: 'HD001',
    mobileNumber: '0912345678',
    storeLabel: 'Sap 12',
    terminalLabel: 'T1',
    referenceLabel: 'R1',
    alternateLanguage: { name: 'Lê Thị Hoa', city: 'Hà Nội' },
  });

  it('returns every field, with the documented keys in order', () => {
    const d = decodeQr(payload);
    expect(d).toMatchObject({
      valid: true,
      crcValid: true,
      errors: [],
      payloadFormat: '01',
      pointOfInitiation: 'dynamic',
      scheme: 'vietqr',
      guid: 'A000000727',
      bin: '970422',
      accountNumber: '0123456789',
      serviceCode: 'QRIBFTTA',
      currency: '704',
      amount: '75000',
      country: 'VN',
      merchantName: 'Le Thi Hoa',
      merchantCity: 'Ha Noi',
      postalCode: '100000',
      mcc: '5411',
      billNumber: 'HD001',
      mobileNumber: '0912345678',
      storeLabel: 'Sap 12',
      terminalLabel: 'T1',
      referenceLabel: 'R1',
      purpose: 'SAP12 DON4521',
      alternateLanguage: { language: 'vi', name: 'Lê Thị Hoa', city: 'Hà Nội' },
      bank: { bin: '970422', code: 'MB', shortName: 'MBBank', name: 'Ngân hàng TMCP Quân đội' },
    });
    const keys = Object.keys(d);
    expect(keys.slice(0, 3)).toEqual(['valid', 'crcValid', 'errors']);
    expect(keys[keys.length - 1]).toBe('tags');
  });

  it('keeps the whole tree in tags, templates with children', () => {
    const d = decodeQr(payload);
    expect(d.tags.map((t) => t.id)).toEqual([
      '00',
      '01',
      '38',
      '52',
      '53',
      '54',
      '58',
      '59',
      '60',
      '61',
      '62',
      '64',
      '63',
    ]);
    const t38 = d.tags.find((t) => t.id === '38');
    expect(t38?.children?.[1]).toEqual({
      id: '01',
      length: 24,
      value: '000697042201100123456789',
      children: [
        { id: '00', length: 6, value: '970422' },
        { id: '01', length: 10, value: '0123456789' },
      ],
    });
    expect(d.tags.find((t) => t.id === '64')?.children?.[1]).toEqual({ id: '01', length: 10, value: 'Lê Thị Hoa' });
  });

  it('omits absent values', () => {
    const d = decodeQr(encodeVietQr({ bin: '970436', accountNumber: '1' }));
    expect(d).not.toHaveProperty('amount');
    expect(d).not.toHaveProperty('purpose');
    expect(d).not.toHaveProperty('alternateLanguage');
    expect(d.pointOfInitiation).toBe('static');
  });
});

describe('decodeQr: order freedom and tolerance', () => {
  it('reads 62 before 38, and 53/58 before 38', () => {
    const body = '000201010212' + '62150811Chuyen tien' + '5303704' + '5802VN' + NAPAS + '540410006304';
    const d = decodeQr(body + formatCrc(crc16(body)));
    expect(d).toMatchObject({
      valid: true,
      bin: '970436',
      accountNumber: '0123456789',
      purpose: 'Chuyen tien',
      amount: '1000',
    });
  });

  it('reads objects inside templates in any order', () => {
    const napas = '38540208QRIBFTTA0124011001234567890006970436' + '0010A000000727';
    const d = decodeQr(withCrc('000201010211' + napas + '53037045802VN'));
    expect(d).toMatchObject({ valid: true, bin: '970436', accountNumber: '0123456789', serviceCode: 'QRIBFTTA' });
  });

  it('accepts a lowercase CRC', () => {
    const p = encodeVietQr({ bin: '970436', accountNumber: '0123456789', amount: 10000 });
    const lower = p.slice(0, -4) + p.slice(-4).toLowerCase();
    expect(/[a-f]/.test(lower.slice(-4)) || lower === p).toBe(true);
    expect(decodeQr(lower)).toMatchObject({ valid: true, crcValid: true });
  });

  it('accepts a lowercase CRC with letters in it', () => {
    // Find a purpose whose CRC has a letter, so that lowercasing changes something.
    let p = '';
    for (let i = 0; !/[A-F]/.test(p.slice(-4)); i++)
      p = encodeVietQr({ bin: '970436', accountNumber: '1', purpose: `X${i}` });
    expect(decodeQr(p.slice(0, -4) + p.slice(-4).toLowerCase()).valid).toBe(true);
  });

  it('counts lengths in code points, so an astral character in 64 counts once', () => {
    const p = withCrc(HEAD + '53037045802VN' + '64140002vi0104Hoa😀');
    expect(decodeQr(p)).toMatchObject({ valid: true, alternateLanguage: { name: 'Hoa😀' } });
  });

  it('keeps an unknown template raw with its parsed sub-objects', () => {
    const d = decodeQr(vietqr('53037045802VN' + '85140003abc0103xyz'));
    expect(d.valid).toBe(true);
    expect(d.tags.find((t) => t.id === '85')?.children).toEqual([
      { id: '00', length: 3, value: 'abc' },
      { id: '01', length: 3, value: 'xyz' },
    ]);
  });

  it('parses 62 sub-templates 50–99', () => {
    const d = decodeQr(vietqr('53037045802VN' + '62250811Chuyen tien' + '5006010212'));
    const t62 = d.tags.find((t) => t.id === '62');
    expect(t62?.children?.[1]).toEqual({
      id: '50',
      length: 6,
      value: '010212',
      children: [{ id: '01', length: 2, value: '12' }],
    });
  });
});

describe('decodeQr: every problem, with its path', () => {
  const ok = vietqr('53037045802VN');

  it('QR.CRC_MISMATCH', () => {
    const bad = ok.slice(0, -4) + (ok.endsWith('0000') ? '0001' : '0000');
    expect(codes(decodeQr(bad))).toEqual([['QR.CRC_MISMATCH', '63']]);
    expect(decodeQr(bad)).toMatchObject({ valid: false, crcValid: false, bin: '970436' });
  });

  it('QR.MISSING_CRC', () => {
    expect(codes(decodeQr(HEAD + '53037045802VN'))).toEqual([['QR.MISSING_CRC', '63']]);
  });

  it('QR.INVALID_CRC (not hex, or not 4 characters)', () => {
    expect(codes(decodeQr(HEAD + '53037045802VN6304ZZ12'))).toEqual([['QR.INVALID_CRC', '63']]);
    expect(codes(decodeQr(HEAD + '53037045802VN6303ABC'))).toEqual([['QR.INVALID_CRC', '63']]);
  });

  it('QR.TRUNCATED: an object runs past the end', () => {
    const d = decodeQr(ok.slice(0, 30));
    expect(d.valid).toBe(false);
    expect(codes(d)).toContainEqual(['QR.TRUNCATED', '38']);
  });

  it('QR.TRUNCATED: fewer than 4 characters left', () => {
    expect(codes(decodeQr(ok + '12'))).toContainEqual(['QR.TRUNCATED', '']);
  });

  it('QR.TRUNCATED inside a template names the template', () => {
    const d = decodeQr(vietqr('53037045802VN' + '62060809ab'));
    expect(errorCodes(d)).toEqual([['QR.TRUNCATED', '62.08']]);
  });

  it('QR.ZERO_LENGTH', () => {
    expect(errorCodes(decodeQr(vietqr('53037045802VN5900')))).toEqual([['QR.ZERO_LENGTH', '59']]);
  });

  it('QR.INVALID_ID', () => {
    expect(errorCodes(decodeQr(vietqr('53037045802VNA103abc')))).toEqual([['QR.INVALID_ID', '']]);
  });

  it('QR.INVALID_LENGTH', () => {
    expect(errorCodes(decodeQr(HEAD + '53037045802VN59AB'))).toEqual([
      ['QR.INVALID_LENGTH', '59'],
      ['QR.MISSING_CRC', '63'],
    ]);
  });

  it('QR.DUPLICATE_ID, at the root and in a template; the first is read', () => {
    const d = decodeQr(vietqr('53037045802VN5903One5903Two' + '62100801a0801b'));
    expect(errorCodes(d)).toEqual([
      ['QR.DUPLICATE_ID', '59'],
      ['QR.DUPLICATE_ID', '62.08'],
    ]);
    expect(d.merchantName).toBe('One');
    expect(d.purpose).toBe('a');
  });

  it('QR.FORMAT_NOT_FIRST', () => {
    const d = decodeQr(withCrc('010212000201' + NAPAS + '53037045802VN'));
    expect(errorCodes(d)).toEqual([['QR.FORMAT_NOT_FIRST', '00']]);
  });

  it('QR.CRC_NOT_LAST, with the CRC still checked over what precedes it', () => {
    const d = decodeQr(withCrc(HEAD + '5303704') + '5802VN');
    expect(errorCodes(d)).toEqual([['QR.CRC_NOT_LAST', '63']]);
    expect(d.crcValid).toBe(true);
  });

  it('QR.INVALID_CHARSET in ans and N fields', () => {
    expect(errorCodes(decodeQr(vietqr('53037045802VN5903Hòa')))).toEqual([['QR.INVALID_CHARSET', '59']]);
    expect(errorCodes(decodeQr(vietqr('53037045802VN520454A1')))).toEqual([['QR.INVALID_CHARSET', '52']]);
    expect(errorCodes(decodeQr(vietqr('53037045802VN62070803Hòa')))).toEqual([['QR.INVALID_CHARSET', '62.08']]);
    expect(errorCodes(decodeQr(vietqr('53037045802VN64130002vi0103a\tb')))).toEqual([['QR.INVALID_CHARSET', '64.01']]);
  });

  it('QR.UNSUPPORTED_FORMAT: 00 other than 01 is flagged and still decoded', () => {
    const d = decodeQr(withCrc('000202010212' + NAPAS + '53037045802VN'));
    expect(errorCodes(d)).toEqual([['QR.UNSUPPORTED_FORMAT', '00']]);
    expect(d).toMatchObject({ payloadFormat: '02', bin: '970436', scheme: 'vietqr' });
  });

  it('QR.MISSING_FIELD for each VietQR mandatory object', () => {
    expect(errorCodes(decodeQr(withCrc('010212' + NAPAS + '53037045802VN')))).toEqual([['QR.MISSING_FIELD', '00']]);
    expect(errorCodes(decodeQr(withCrc('000201' + NAPAS + '53037045802VN')))).toEqual([['QR.MISSING_FIELD', '01']]);
    expect(errorCodes(decodeQr(withCrc('000201010211' + '53037045802VN')))).toEqual([['QR.MISSING_FIELD', '38']]);
    expect(errorCodes(decodeQr(withCrc(HEAD + '5802VN')))).toEqual([['QR.MISSING_FIELD', '53']]);
    expect(errorCodes(decodeQr(withCrc(HEAD + '5303704')))).toEqual([['QR.MISSING_FIELD', '58']]);
  });

  it('QR.MISSING_FIELD inside 38', () => {
    const noAccount = '3840' + '0010A000000727' + '01100006970436' + '0208QRIBFTTA';
    expect(errorCodes(decodeQr(withCrc('000201010211' + noAccount + '53037045802VN')))).toEqual([
      ['QR.MISSING_FIELD', '38.01.01'],
    ]);
    const noService = '3842' + '0010A000000727' + '0124' + '0006970436' + '01100123456789';
    expect(errorCodes(decodeQr(withCrc('000201010211' + noService + '53037045802VN')))).toEqual([
      ['QR.MISSING_FIELD', '38.02'],
    ]);
    const noBen = '38260010A0000007270208QRIBFTTA';
    expect(errorCodes(decodeQr(withCrc('000201010211' + noBen + '53037045802VN')))).toEqual([
      ['QR.MISSING_FIELD', '38.01'],
    ]);
  });

  it('QR.UNKNOWN_BIN is a warning: the payload stays valid', () => {
    const d = decodeQr(withCrc('000201010211' + HEAD.slice(12).replace('970436', '123456') + '53037045802VN'));
    expect(codes(d)).toEqual([['QR.UNKNOWN_BIN', '38.01.00']]);
    expect(d.errors[0]?.severity).toBe('warning');
    expect(d).toMatchObject({ valid: true, bin: '123456' });
    expect(d).not.toHaveProperty('bank');
  });

  it('QR.INVALID_BIN', () => {
    const d = decodeQr(withCrc('000201010211' + HEAD.slice(12).replace('970436', '97043X') + '53037045802VN'));
    expect(errorCodes(d)).toEqual([['QR.INVALID_BIN', '38.01.00']]);
  });

  it.each(['12a', '1..2', '0', '000', '1.5', '.'])('QR.INVALID_AMOUNT for %j in VND', (amount) => {
    const d = decodeQr(vietqr(`5303704540${amount.length}${amount}5802VN`));
    expect(errorCodes(d)).toEqual([['QR.INVALID_AMOUNT', '54']]);
  });

  it('accepts decimals in a currency that has them', () => {
    const d = decodeQr(withCrc('000201010212' + '26180014br.gov.bcb.pix' + '53039865406100.505802BR'));
    expect(d).toMatchObject({ valid: true, amount: '100.50', scheme: 'pix' });
  });

  it('QR.AMOUNT_OVER_LIMIT is a warning', () => {
    const d = decodeQr(vietqr('53037045409500000000' + '5802VN'));
    expect(codes(d)).toEqual([['QR.AMOUNT_OVER_LIMIT', '54']]);
    expect(d.valid).toBe(true);
  });

  it('QR.INVALID_VALUE for a point of initiation other than 11/12, and a non-VND VietQR', () => {
    expect(errorCodes(decodeQr(withCrc('000201010213' + NAPAS + '53037045802VN')))).toEqual([
      ['QR.INVALID_VALUE', '01'],
    ]);
    expect(decodeQr(withCrc('000201010213' + NAPAS + '53037045802VN')).pointOfInitiation).toBe('13');
    expect(errorCodes(decodeQr(vietqr('53038405802VN')))).toEqual([['QR.INVALID_VALUE', '53']]);
  });

  it('QR.FIELD_TOO_LONG for 59 over 25 and 62.08 over 25', () => {
    expect(errorCodes(decodeQr(vietqr(`53037045802VN5926${'a'.repeat(26)}`)))).toEqual([['QR.FIELD_TOO_LONG', '59']]);
    expect(errorCodes(decodeQr(vietqr(`53037045802VN62300826${'a'.repeat(26)}`)))).toEqual([
      ['QR.FIELD_TOO_LONG', '62.08'],
    ]);
  });

  it('QR.PAYLOAD_TOO_LONG is a warning', () => {
    const extra = Array.from({ length: 5 }, (_, i) => `${80 + i}99${'0095' + 'x'.repeat(95)}`).join('');
    const d = decodeQr(vietqr('53037045802VN' + extra));
    expect(codes(d)).toEqual([['QR.PAYLOAD_TOO_LONG', '']]);
    expect(d.valid).toBe(true);
  });

  it('QR.INVALID_TEMPLATE is a warning for a template we only carry (MoMo writes 80 03 046)', () => {
    const d = decodeQr(vietqr('53037045802VN' + '8003046'));
    expect(codes(d)).toEqual([['QR.INVALID_TEMPLATE', '80']]);
    expect(d.valid).toBe(true);
    expect(d.tags.find((t) => t.id === '80')).toEqual({ id: '80', length: 3, value: '046' });
  });

  it('a broken 62 or 38 is an error, since their contents are read', () => {
    expect(errorCodes(decodeQr(vietqr('53037045802VN' + '6203abc')))).toEqual([['QR.TRUNCATED', '62']]);
    expect(errorCodes(decodeQr(withCrc('000201010211' + '3803abc' + '53037045802VN')))).toContainEqual([
      'QR.TRUNCATED',
      '38',
    ]);
  });

  it('QR.EMPTY_PAYLOAD', () => {
    expect(decodeQr('')).toEqual({
      valid: false,
      crcValid: false,
      errors: [{ code: 'QR.EMPTY_PAYLOAD', path: '', message: 'the payload is empty', severity: 'error' }],
      tags: [],
    });
    expect(codes(decodeQr(undefined as unknown as string))).toEqual([['QR.EMPTY_PAYLOAD', '']]);
  });

  it('reports a non-EMVCo string without a scheme', () => {
    const d = decodeQr('https://example.com/pay?x=1');
    expect(d.valid).toBe(false);
    expect(d).not.toHaveProperty('scheme');
  });

  // Bounded work is shown by what is built, not by a stopwatch: the input is refused before it is read, and a long
  // run of bad objects lists at most MAX_PROBLEMS problems.
  it('refuses input longer than any QR holds without reading it (10 MB of well-formed objects included)', () => {
    const huge = '00020101021238' + '9'.repeat(1 << 20);
    expect(decodeQr(huge)).toEqual({
      valid: false,
      crcValid: false,
      errors: [expect.objectContaining({ code: 'QR.INPUT_TOO_LONG' })],
      tags: [],
    });
    const wellFormed = '0100'.repeat(10 * (1 << 18));
    expect(decodeQr(wellFormed).errors).toEqual([expect.objectContaining({ code: 'QR.INPUT_TOO_LONG', path: '' })]);
    expect(decodeQr('0'.repeat(MAX_DECODE_INPUT)).errors[0]?.code).not.toBe('QR.INPUT_TOO_LONG');
  });

  it('lists at most MAX_PROBLEMS problems, the last saying how many more there were', () => {
    // 1,000 objects with a duplicate ID each: one problem apiece without the cap.
    const d = decodeQr('000201' + '5802VN'.repeat(1_000));
    expect(d.valid).toBe(false);
    expect(d.errors).toHaveLength(MAX_PROBLEMS + 1);
    expect(d.errors.at(-1)).toMatchObject({
      code: 'QR.TOO_MANY_PROBLEMS',
      message: expect.stringMatching(/^\d+ more problems/),
    });
  });

  it('every code is a dotted QR.* constant', () => {
    for (const c of QR_ERROR_CODES) expect(c).toMatch(/^QR\.[A-Z_]+$/);
    expect(new Set(QR_ERROR_CODES).size).toBe(QR_ERROR_CODES.length);
  });
});
