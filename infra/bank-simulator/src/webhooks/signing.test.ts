import { cassoSignedContent, hmacHex, signBankSim, signCasso, signSepay, sortKeysDeep } from './signing';

/**
 * Fixed vectors, computed outside this code with openssl (`printf '%s' "<ts>.<body>" | openssl dgst -sha256 -hmac
 * <secret>`, -sha512 for Casso over the sorted JSON written out by hand). The README quotes the same ones so the
 * payment-ledger service can pin its verifier to them.
 */
const TS = 1741252532; // 2025-03-06T09:15:32Z

const BANK_SIM_BODY =
  '{"transactionId":"FT250306000001123","direction":"in","amount":50000,"description":"MBVCB.7575327615.426726.B0' +
  '7 thanh toan.CT tu 0011004455667 NGUYEN VAN AN toi 961234000001 CHO BEN THANH B07 tai BIDV","accountNumber":"1900123456"' +
  ',"virtualAccount":"961234000001","bankBin":"970418","bookedAt":"2025-03-06T09:15:30.000Z","counterparty":{"bin":"970436","accountNumber":"0011004455667","name":"NGUYEN VAN AN"}}';

const SEPAY_BODY =
  '{"id":92704,"gateway":"BIDV","transactionDate":"2025-03-06 16:15:30","accountNumber":"1900123456","code":null,"content":"CT DEN:512345678901' +
  ' DH8F3K2","transferType":"in","transferAmount":125000,"accumulated":2375000,"subAccount":"961234000001","referenceCode":"MBVCB.7575327615"}';

/** Casso's body as it is sent (natural key order). */
const CASSO_BODY = {
  error: 0,
  data: {
    id: 1234567,
    reference: 'FT250306000003456',
    description: 'CT DEN:512345678901 DH8F3K2',
    amount: 125000,
    runningBalance: 2375000,
    transactionDateTime: '2025-03-06 16:15:30',
    accountNumber: '1900123456',
    bankName: 'BIDV',
    bankAbbreviation: 'BIDV',
    virtualAccountNumber: '961234000001',
    virtualAccountName: 'Quầy B07 Chợ Bến Thành',
    counterAccountName: 'TRAN THI HOA',
    counterAccountNumber: '0912345678',
    counterAccountBankId: '970422',
    counterAccountBankName: 'MBBank',
  },
};

/** The same body with its keys sorted, written out by hand (what Casso signs). */
const CASSO_SORTED =
  '{"data":{"accountNumber":"1900123456","amount":125000,"bankAbbreviation":"BIDV","bankName":"BIDV","c' +
  'ounterAccountBankId":"970422","counterAccountBankName":"MBBank","counterAccountName":"TRAN THI HOA","counterAccountNumbe' +
  'r":"0912345678","description":"CT DEN:512345678901 DH8F3K2","id":1234567,"reference":"FT250306000003456","runningBalance' +
  '":2375000,"transactionDateTime":"2025-03-06 16:15:30","virtualAccountName":"Quầy B07 Chợ Bến Thành","virtualAccountNumber":"961234000001"},"error":0}';

describe('signatures against fixed vectors', () => {
  test('bank-sim: sha256=HMAC-SHA256(secret, timestamp + "." + rawBody)', () => {
    expect(BANK_SIM_BODY).toHaveLength(407);
    expect(signBankSim('whsec_marketqr_dev', TS, BANK_SIM_BODY)).toBe(
      'sha256=6ef13120f7eed687334ccc3caef5e8d81ffdebdd8efa408f06537b08a6f879a8',
    );
    // The timestamp is part of what is signed: a replay with another timestamp does not verify.
    expect(signBankSim('whsec_marketqr_dev', TS + 1, BANK_SIM_BODY)).not.toBe(
      signBankSim('whsec_marketqr_dev', TS, BANK_SIM_BODY),
    );
  });

  test('sepay: the same construction with the SePay secret', () => {
    expect(SEPAY_BODY).toHaveLength(279);
    expect(signSepay('sepay-hmac-secret', String(TS), SEPAY_BODY)).toBe(
      'sha256=9dbc265c71ddc6ba73068dc90fd3525e3707d3bfd94911c81242cfff04e55cff',
    );
  });

  test('casso: t=<ms>,v1=HMAC-SHA512(secret, t + "." + JSON with keys sorted recursively)', () => {
    expect(JSON.stringify(sortKeysDeep(CASSO_BODY))).toBe(CASSO_SORTED);
    expect(cassoSignedContent(TS * 1000 + 123, CASSO_BODY)).toBe(`${TS}123.${CASSO_SORTED}`);
    expect(signCasso('casso-checksum-key', TS * 1000 + 123, CASSO_BODY)).toBe(
      't=1741252532123,v1=62bce2640ab6deaa9cce67ad210f2cc1a36d8f44b5a1d9b27c2d69f06e4f297e' +
        '5e6cb77fbe8c1d399c472a8810baff82e3198f24505e2ae372fe3da0fdc32ffd',
    );
    // What is signed is the sorted form, whatever order the object's keys come in; the bytes sent (natural order)
    // would give another signature, which is the trap for a receiver that HMACs the raw body.
    expect(signCasso('casso-checksum-key', 1, sortKeysDeep(CASSO_BODY))).toBe(
      signCasso('casso-checksum-key', 1, CASSO_BODY),
    );
    expect(hmacHex('sha512', 'casso-checksum-key', `1.${JSON.stringify(CASSO_BODY)}`)).not.toBe(
      signCasso('casso-checksum-key', 1, CASSO_BODY).split('v1=')[1],
    );
  });

  test('sortKeysDeep sorts objects at every depth, inside arrays too, and leaves arrays and primitives alone', () => {
    expect(JSON.stringify(sortKeysDeep({ b: [{ z: 1, a: null }, 3, 'x'], a: { d: { y: true, c: 'é' } } }))).toBe(
      '{"a":{"d":{"c":"é","y":true}},"b":[{"a":null,"z":1},3,"x"]}',
    );
    expect(sortKeysDeep(null)).toBeNull();
    expect(sortKeysDeep('text')).toBe('text');
    // Code-unit order: upper case before lower case.
    expect(Object.keys(sortKeysDeep({ b: 1, B: 2, a: 3 }) as object)).toEqual(['B', 'a', 'b']);
  });
});
