import { sign, verifyCasso, verifyTimestampedSha256, sortKeysDeep, parseCassoHeader } from './signatures';
import type { z } from 'zod';
import { webhookBodies } from '@marketqr/contracts';
import { ADAPTERS, BODY_SCHEMAS, bankSimAdapter, cassoAdapter, sepayAdapter } from './providers';

const secret = 'unit-test-secret-0123456789';
const now = Date.parse('2025-03-01T07:00:00Z');
const ts = String(now / 1000);

describe('timestamped HMAC-SHA256 (bank simulator, SePay)', () => {
  const raw = Buffer.from('{"a":1}');
  const ok = { secret, timestamp: ts, rawBody: raw, nowMs: now, toleranceSeconds: 300 };
  it('accepts the signature over timestamp.rawBody', () => {
    expect(() => verifyTimestampedSha256({ ...ok, signature: sign.timestampedSha256(secret, ts, raw) })).not.toThrow();
  });
  it.each([
    ['missing', undefined],
    ['not sha256=', 'md5=abc'],
    ['wrong secret', sign.timestampedSha256('another-secret-0123456789', ts, raw)],
    ['other body', sign.timestampedSha256(secret, ts, '{"a":2}')],
    ['other timestamp', sign.timestampedSha256(secret, String(now / 1000 + 1), raw)],
    ['truncated', sign.timestampedSha256(secret, ts, raw).slice(0, 40)],
  ])('refuses a signature that is %s', (_name, signature) => {
    expect(() => verifyTimestampedSha256({ ...ok, signature })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK.BAD_SIGNATURE' }),
    );
  });
  it('refuses a correctly signed but stale or future timestamp', () => {
    for (const t of [now / 1000 - 301, now / 1000 + 301]) {
      const stale = String(t);
      expect(() =>
        verifyTimestampedSha256({ ...ok, timestamp: stale, signature: sign.timestampedSha256(secret, stale, raw) }),
      ).toThrow(expect.objectContaining({ code: 'WEBHOOK.STALE_TIMESTAMP' }));
    }
  });
});

describe('Casso v2', () => {
  const body = { error: 0, data: { z: 1, a: { y: [{ b: 2, a: 1 }], x: 'é' } } };
  it('signs the keys-sorted JSON, whatever order the bytes had', () => {
    expect(JSON.stringify(sortKeysDeep(body))).toBe('{"data":{"a":{"x":"é","y":[{"a":1,"b":2}]},"z":1},"error":0}');
    const header = sign.casso(secret, now, body);
    expect(parseCassoHeader(header)?.t).toBe(String(now));
    expect(() => verifyCasso({ secret, header, body, nowMs: now, toleranceSeconds: 300 })).not.toThrow();
    expect(() =>
      verifyCasso({ secret, header, body: { ...body, error: 1 }, nowMs: now, toleranceSeconds: 300 }),
    ).toThrow(expect.objectContaining({ code: 'WEBHOOK.BAD_SIGNATURE' }));
    expect(() => verifyCasso({ secret, header, body, nowMs: now + 400_000, toleranceSeconds: 300 })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK.STALE_TIMESTAMP' }),
    );
  });
});

describe('normalising each provider', () => {
  it('bank simulator', () => {
    const n = bankSimAdapter.normalise({
      transactionId: 'FT123',
      direction: 'in',
      amount: 50000,
      description: 'A-12 mua rau',
      accountNumber: '2150001234',
      virtualAccount: '961234000001',
      bankBin: '970418',
      bookedAt: '2025-03-01T06:30:00+07:00',
      counterparty: { bin: '970436', accountNumber: '0011', name: 'NGUYEN VAN A' },
    });
    expect(n).toMatchObject({
      provider: 'bank-sim',
      providerTxId: 'FT123',
      amount: 50000,
      virtualAccount: '961234000001',
    });
    expect(n.bankTime.toISOString()).toBe('2025-02-28T23:30:00.000Z');
  });
  it('SePay: local Asia/Ho_Chi_Minh time, subAccount as the virtual account, numeric id', () => {
    const n = sepayAdapter.normalise({
      id: 92704,
      gateway: 'Vietcombank',
      transactionDate: '2023-03-25 14:02:37',
      accountNumber: '0903252427',
      code: null,
      content: 'chuyen tien mua iphone',
      transferType: 'in',
      transferAmount: 2277000,
      accumulated: 19077000,
      subAccount: null,
      referenceCode: 'MBVCB.3278907687',
      description: '',
    });
    expect(n).toMatchObject({
      providerTxId: '92704',
      amount: 2277000,
      virtualAccount: null,
      reference: 'MBVCB.3278907687',
    });
    expect(n.bankTime.toISOString()).toBe('2023-03-25T07:02:37.000Z');
  });
  it('Casso: a negative amount is money out; an empty virtual account is none', () => {
    const data = {
      id: 1,
      reference: 'FT1',
      description: 'x',
      amount: -5000,
      runningBalance: 1,
      transactionDateTime: '2025-03-01 10:00:00',
      accountNumber: '2150001234',
      bankName: 'BIDV',
      bankAbbreviation: 'BIDV',
      virtualAccountNumber: '',
      virtualAccountName: '',
      counterAccountName: '',
      counterAccountNumber: '',
      counterAccountBankId: '',
      counterAccountBankName: '',
    };
    expect(cassoAdapter.normalise({ error: 0, data })).toMatchObject({
      direction: 'out',
      amount: 5000,
      virtualAccount: null,
      counterparty: null,
    });
  });
  it.each([0, -1, 1.5, 1e13])('an incoming amount of %p is invalid', (amount) => {
    expect(() =>
      bankSimAdapter.normalise({
        transactionId: 'FT1',
        direction: 'in',
        amount,
        description: '',
        accountNumber: '1',
        virtualAccount: null,
        bookedAt: '2025-03-01T06:30:00Z',
      }),
    ).toThrow(expect.objectContaining({ code: 'WEBHOOK.INVALID_AMOUNT' }));
  });
  it('a date that does not exist is malformed', () => {
    expect(() =>
      sepayAdapter.normalise({
        id: 1,
        transactionDate: '2025-02-30 10:00:00',
        accountNumber: '1',
        content: '',
        transferType: 'in',
        transferAmount: 1,
      }),
    ).toThrow(expect.objectContaining({ code: 'WEBHOOK.MALFORMED' }));
  });
});

describe('the formats the route specs document are the ones the adapters read', () => {
  const keys = (o: z.ZodObject) => Object.keys(o.shape).sort();
  it.each(['bank-sim', 'sepay', 'casso'] as const)('%s: the same fields', (provider) => {
    const documented = webhookBodies[provider];
    expect(keys(documented)).toEqual(keys(BODY_SCHEMAS[provider]));
    if (provider === 'casso') {
      expect(keys(webhookBodies.casso.shape.data)).toEqual(keys(BODY_SCHEMAS.casso.shape.data as z.ZodObject));
    }
  });
  it('a body an adapter takes is one the documented format describes', () => {
    const bodies = {
      'bank-sim': {
        transactionId: 'FT123',
        direction: 'in',
        amount: 50000,
        description: 'A-12 mua rau',
        accountNumber: '2150001234',
        virtualAccount: null,
        bookedAt: '2025-03-01 06:30:00',
        counterparty: { bin: '970436', accountNumber: '0011', name: null },
      },
      sepay: {
        id: 92704,
        transactionDate: '2023-03-25 14:02:37',
        accountNumber: '0903252427',
        code: null,
        content: 'chuyen tien',
        transferType: 'in',
        transferAmount: 2277000,
        subAccount: '961234000001',
      },
      casso: {
        error: 0,
        data: { id: 1, amount: 5000, transactionDateTime: '2025-03-01 10:00:00', accountNumber: '2150001234' },
      },
    } as const;
    for (const provider of ['bank-sim', 'sepay', 'casso'] as const) {
      expect(() => ADAPTERS[provider].normalise(bodies[provider])).not.toThrow();
      expect(webhookBodies[provider].safeParse(bodies[provider]).success).toBe(true);
    }
  });
});
