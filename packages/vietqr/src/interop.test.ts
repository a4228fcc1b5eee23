// Cross-checks against two independent implementations from npm, so that our CRC and layout are not only
// consistent with themselves.
import fc from 'fast-check';
import { checksum, parse } from 'promptparse';
import { QRPay } from 'vietnam-qr-pay';
import { crc16, formatCrc } from './crc';
import { decodeQr } from './decode';
import { encodeVietQr } from './encode';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20251202), numRuns: 300 });

describe('interoperability', () => {
  // ASCII only: promptparse hashes the low byte of each UTF-16 unit, not UTF-8, so beyond ASCII it is no reference
  // (crc.test.ts checks UTF-8 against a bytewise computation instead).
  it("our CRC equals promptparse's on ASCII text", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (s) => {
        expect(formatCrc(crc16(s))).toBe(checksum(s, true));
      }),
    );
  });

  it('vietnam-qr-pay reads what we encode', () => {
    const p = encodeVietQr({ bin: '971025', accountNumber: '0912345678', amount: 35000, purpose: 'SAP7 DON88' });
    const theirs = new QRPay(p);
    expect(theirs.isValid).toBe(true);
    expect(theirs.consumer).toMatchObject({ bankBin: '971025', bankNumber: '0912345678' });
    expect(theirs.amount).toBe('35000');
    expect(theirs.additionalData.purpose).toBe('SAP7 DON88');
  });

  it('we read what vietnam-qr-pay encodes, the same bytes as ours', () => {
    const theirs = QRPay.initVietQR({
      bankBin: '546034',
      bankNumber: '0123456789',
      amount: '99000',
      purpose: 'CHO HOM',
    }).build();
    expect(decodeQr(theirs)).toMatchObject({ valid: true, bin: '546034', amount: '99000', purpose: 'CHO HOM' });
    expect(theirs).toBe(
      encodeVietQr({ bin: '546034', accountNumber: '0123456789', amount: 99000, purpose: 'CHO HOM' }),
    );
  });

  it('promptparse parses our payload into the same tags', () => {
    const p = encodeVietQr({ bin: '970436', accountNumber: '0123456789', amount: 1000, merchantName: 'Le Thi Hoa' });
    const tags = parse(p);
    expect(tags?.getTagValue('59')).toBe('Le Thi Hoa');
    expect(tags?.getTagValue('63')).toBe(decodeQr(p).crc);
  });
});
