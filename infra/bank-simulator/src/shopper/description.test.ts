import { createRng } from '../support/rng';
import { bankDescription, cleanContent, MAX_CONTENT, MAX_DESCRIPTION } from './description';

const base = {
  payerAccount: '0011004455667',
  payerName: 'NGUYEN VAN AN',
  receiverAccount: '961234000001',
  receiverName: 'CHO BEN THANH B07',
  receiverBankCode: 'BIDV',
};

describe('bank-style transfer descriptions', () => {
  test('content is folded to ASCII, cleaned and cut', () => {
    expect(cleanContent('  Trả tiền rau — quầy B07 #12 🥬 ')).toBe('Tra tien rau - quay B07 12');
    expect(cleanContent('Đặt hàng DH-8F3K2')).toBe('Dat hang DH-8F3K2');
    expect(cleanContent('x'.repeat(300))).toHaveLength(MAX_CONTENT);
  });

  test('a Vietcombank payer gets the MBVCB prefix and the "CT tu … toi …" tail; others a CT DEN trace', () => {
    const vcb = bankDescription({ ...base, payerBankCode: 'VCB', content: 'DH8F3K2', rng: createRng('d') });
    expect(vcb).toMatch(
      /^MBVCB\.\d{10}\.\d{6}\.DH8F3K2\.CT tu 0011004455667 NGUYEN VAN AN toi 961234000001 CHO BEN THANH B07 tai BIDV$/,
    );
    const mb = bankDescription({ ...base, payerBankCode: 'MB', content: 'B07', rng: createRng('d') });
    expect(mb).toMatch(/^CT DEN:\d{12} B07$/);
    // Same seed, same digits.
    expect(bankDescription({ ...base, payerBankCode: 'VCB', content: 'DH8F3K2', rng: createRng('d') })).toBe(vcb);
  });

  test('no content: the bank fills in "<NAME> chuyen tien"; a long one is cut at the NAPAS length', () => {
    expect(bankDescription({ ...base, payerBankCode: 'TCB', content: '', rng: createRng('d') })).toMatch(
      /^CT DEN:\d{12} NGUYEN VAN AN chuyen tien$/,
    );
    const long = bankDescription({ ...base, payerBankCode: 'VCB', content: 'a '.repeat(100), rng: createRng('d') });
    expect(long).toHaveLength(MAX_DESCRIPTION);
    expect(long).not.toMatch(/tai BIDV$/);
  });
});
