import { crc16, formatCrc } from './crc';
import { decodeQr } from './decode';
import { encodeEmvco } from './encode';
import type { QrScheme } from './schemes';

/** A body written out by hand, object by object, closed with its CRC. */
const handWritten = (...objects: string[]): string => {
  const body = objects.join('') + '6304';
  return body + formatCrc(crc16(body));
};

describe('other EMVCo schemes, recognised by the GUID of their merchant account template', () => {
  const cases: [QrScheme, string, string][] = [
    [
      'promptpay',
      'A000000677010111',
      // Thai PromptPay to a mobile number (tag 29, 01 = 0066 + number), 764 = THB.
      handWritten('000201', '010211', '2937', '0016A000000677010111', '01130066812345678', '5802TH', '5303764'),
    ],
    [
      'promptpay',
      'A000000677010112',
      // PromptPay bill payment (tag 30) with an amount in baht and satang.
      encodeEmvco([
        { id: '00', value: '01' },
        { id: '01', value: '12' },
        {
          id: '30',
          value: [
            { id: '00', value: 'A000000677010112' },
            { id: '01', value: '010753600010286' },
            { id: '02', value: 'INV12345' },
          ],
        },
        { id: '53', value: '764' },
        { id: '54', value: '300.00' },
        { id: '58', value: 'TH' },
      ]),
    ],
    [
      'pix',
      'BR.GOV.BCB.PIX',
      // Brazilian Pix with a random (UUID) key, 986 = BRL, 62.05 = "***" (the payer's bank fills it in).
      handWritten(
        '000201',
        '2658',
        '0014BR.GOV.BCB.PIX',
        '0136123e4567-e12b-12d1-a456-426655440000',
        '52040000',
        '5303986',
        '540510.00',
        '5802BR',
        '5913Fulano de Tal',
        '6008BRASILIA',
        '62070503***',
      ),
    ],
    [
      'paynow',
      'SG.PAYNOW',
      // Singapore PayNow to a UEN (01 = proxy type 2), amount not editable, with an expiry date.
      encodeEmvco([
        { id: '00', value: '01' },
        { id: '01', value: '12' },
        {
          id: '26',
          value: [
            { id: '00', value: 'SG.PAYNOW' },
            { id: '01', value: '2' },
            { id: '02', value: '201403121W' },
            { id: '03', value: '0' },
            { id: '04', value: '20301231' },
          ],
        },
        { id: '52', value: '0000' },
        { id: '53', value: '702' },
        { id: '54', value: '12.50' },
        { id: '58', value: 'SG' },
        { id: '59', value: 'HAWKER STALL 12' },
        { id: '60', value: 'Singapore' },
        { id: '62', value: [{ id: '01', value: 'ORDER-0042' }] },
      ]),
    ],
    [
      'duitnow',
      'A0000006150001',
      // Malaysian DuitNow merchant QR, 458 = MYR.
      encodeEmvco([
        { id: '00', value: '01' },
        { id: '01', value: '11' },
        {
          id: '26',
          value: [
            { id: '00', value: 'A0000006150001' },
            { id: '01', value: '890053' },
            { id: '02', value: '000010000123456' },
          ],
        },
        { id: '52', value: '5411' },
        { id: '53', value: '458' },
        { id: '58', value: 'MY' },
        { id: '59', value: 'KEDAI RUNCIT ALI' },
        { id: '60', value: 'KUALA LUMPUR' },
      ]),
    ],
    [
      'qris',
      'ID.CO.QRIS.WWW',
      // Indonesian QRIS: an issuer template in 26 with a GUID we do not know, and the national QRIS one in 51.
      encodeEmvco([
        { id: '00', value: '01' },
        { id: '01', value: '11' },
        {
          id: '26',
          value: [
            { id: '00', value: 'ID.CO.EXAMPLEPAY.WWW' },
            { id: '01', value: '936000000000000001' },
          ],
        },
        {
          id: '51',
          value: [
            { id: '00', value: 'ID.CO.QRIS.WWW' },
            { id: '02', value: 'ID1020000000001' },
            { id: '03', value: 'UMI' },
          ],
        },
        { id: '52', value: '5499' },
        { id: '53', value: '360' },
        { id: '58', value: 'ID' },
        { id: '59', value: 'WARUNG IBU SITI' },
        { id: '60', value: 'JAKARTA' },
        { id: '61', value: '10110' },
      ]),
    ],
    [
      'vnpay',
      'A000000775',
      // A VNPAY-QR merchant code (26, GUID A000000775, 01 = merchant ID) with store and terminal labels.
      encodeEmvco([
        { id: '00', value: '01' },
        { id: '01', value: '12' },
        {
          id: '26',
          value: [
            { id: '00', value: 'A000000775' },
            { id: '01', value: '0108123456' },
          ],
        },
        { id: '52', value: '5411' },
        { id: '53', value: '704' },
        { id: '54', value: '45000' },
        { id: '58', value: 'VN' },
        { id: '59', value: 'TAP HOA CO BA' },
        { id: '60', value: 'HA NOI' },
        {
          id: '62',
          value: [
            { id: '03', value: 'CHO HOM' },
            { id: '07', value: 'QUAY01' },
            { id: '08', value: 'THANH TOAN' },
          ],
        },
      ]),
    ],
  ];

  it.each(cases)('decodes a %s payload (GUID %s) as valid, with its scheme', (scheme, guid, payload) => {
    const d = decodeQr(payload);
    expect(d.errors).toEqual([]);
    expect(d).toMatchObject({ valid: true, crcValid: true, scheme, guid });
    expect(d).not.toHaveProperty('bin');
  });

  it('reads the common fields of a foreign payload', () => {
    const pix = decodeQr(cases[2]?.[2] ?? '');
    expect(pix).toMatchObject({
      currency: '986',
      amount: '10.00',
      country: 'BR',
      merchantName: 'Fulano de Tal',
      merchantCity: 'BRASILIA',
      mcc: '0000',
      referenceLabel: '***',
    });
    expect(pix.tags.find((t) => t.id === '26')?.children?.[1]?.value).toBe('123e4567-e12b-12d1-a456-426655440000');
  });

  it('compares GUIDs case-insensitively', () => {
    const p = encodeEmvco([
      { id: '00', value: '01' },
      {
        id: '26',
        value: [
          { id: '00', value: 'br.gov.bcb.pix' },
          { id: '01', value: 'fulano@example.com' },
        ],
      },
      { id: '53', value: '986' },
      { id: '58', value: 'BR' },
    ]);
    expect(decodeQr(p)).toMatchObject({ valid: true, scheme: 'pix', guid: 'br.gov.bcb.pix' });
    const napas = encodeEmvco([
      { id: '00', value: '01' },
      { id: '01', value: '11' },
      {
        id: '38',
        value: [
          { id: '00', value: 'a000000727' },
          {
            id: '01',
            value: [
              { id: '00', value: '970436' },
              { id: '01', value: '1' },
            ],
          },
          { id: '02', value: 'QRIBFTTA' },
        ],
      },
      { id: '53', value: '704' },
      { id: '58', value: 'VN' },
    ]);
    expect(decodeQr(napas)).toMatchObject({ valid: true, scheme: 'vietqr', bin: '970436' });
  });

  it('calls a payload with no GUID it knows "emvco", and reports the first GUID', () => {
    const p = encodeEmvco([
      { id: '00', value: '01' },
      {
        id: '27',
        value: [
          { id: '00', value: 'COM.EXAMPLE.PAY' },
          { id: '01', value: 'M123' },
        ],
      },
      { id: '53', value: '840' },
      { id: '58', value: 'US' },
    ]);
    expect(decodeQr(p)).toMatchObject({ valid: true, scheme: 'emvco', guid: 'COM.EXAMPLE.PAY' });
  });

  it('prefers NAPAS when a payload carries both a VNPAY and a NAPAS template', () => {
    const p = encodeEmvco([
      { id: '00', value: '01' },
      { id: '01', value: '11' },
      {
        id: '26',
        value: [
          { id: '00', value: 'A000000775' },
          { id: '01', value: '0108123456' },
        ],
      },
      {
        id: '38',
        value: [
          { id: '00', value: 'A000000727' },
          {
            id: '01',
            value: [
              { id: '00', value: '970422' },
              { id: '01', value: '0123456789' },
            ],
          },
          { id: '02', value: 'QRIBFTTA' },
        ],
      },
      { id: '53', value: '704' },
      { id: '58', value: 'VN' },
    ]);
    expect(decodeQr(p)).toMatchObject({ valid: true, scheme: 'vietqr', guid: 'A000000727', bin: '970422' });
  });

  it('does not hold a foreign scheme to VietQR rules (no 01, no 38)', () => {
    const p = handWritten('000201', '2937', '0016A000000677010111', '01130066812345678', '5802TH', '5303764');
    expect(decodeQr(p)).toMatchObject({ valid: true, scheme: 'promptpay' });
  });

  it('reports a broken template of a known scheme in full', () => {
    const p = handWritten('000201', '010211', '2920', '0016A000000677010111', '5802TH', '5303764');
    const d = decodeQr(p);
    expect(d.valid).toBe(true);
    const broken = handWritten('000201', '010211', '2922', '0016A000000677010111', '01', '5802TH', '5303764');
    expect(decodeQr(broken).errors.map((e) => [e.code, e.path, e.severity])).toEqual([['QR.TRUNCATED', '29', 'error']]);
  });
});
