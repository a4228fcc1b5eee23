/**
 * The shopper's banking app: scan (decode), confirm, pay; over real HTTP, with a webhook receiver on loopback for
 * the end-to-end payment of a QR that @marketqr/vietqr encoded for a virtual account registered in the simulator.
 */
import { createHmac } from 'node:crypto';
import { waitFor } from '@marketqr/test-harness';
import { encodeEmvco, encodeVietQr } from '@marketqr/vietqr';
import { startBankSimulator, type RunningBankSimulator } from '../src';
import { startReceiver } from './receiver';

const COLLECTION = '1900123456';
const SECRET = 'ledger-webhook-secret';

let sim: RunningBankSimulator;

beforeEach(async () => {
  sim = await startBankSimulator({ seed: 'shopper-tests', webhookRetry: { delaysMs: [20, 40], jitter: 0.5 } });
});
afterEach(async () => {
  await sim.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const pay = (body: Record<string, unknown>) => call('POST', '/shopper/pay', body);
const shopper = (body: Record<string, unknown>) => call('POST', '/shopper/accounts', body);

/** A stall's virtual account and its static poster QR (stall code in 62/08, no amount). */
async function stall(stallRef: string, displayName = `Quầy ${stallRef} - Chợ Bến Thành`) {
  const va = await call('POST', '/v1/virtual-accounts', { collectionAccount: COLLECTION, stallRef, displayName });
  const account = va.body.virtualAccount as string;
  const staticQr = encodeVietQr({
    bin: '970418',
    accountNumber: account,
    purpose: stallRef,
    merchantName: 'Cho Ben Thanh',
  });
  const dynamicQr = (amount: number, orderCode: string) =>
    encodeVietQr({ bin: '970418', accountNumber: account, amount, purpose: orderCode });
  return { account, displayName, staticQr, dynamicQr };
}

describe('shoppers', () => {
  test('seeded shoppers at several banks with Vietnamese names; accounts opened and topped up on demand', async () => {
    const seeded = (await call('GET', '/shopper/accounts')).body.accounts;
    expect(seeded.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seeded.map((a: { bin: string }) => a.bin)).size).toBeGreaterThanOrEqual(5);
    expect(seeded.every((a: { balance: number }) => Number.isSafeInteger(a.balance) && a.balance > 0)).toBe(true);
    expect(seeded.some((a: { name: string }) => /[ăâđêôơưàảãáạệịọụờ]/i.test(a.name))).toBe(true);

    const opened = await shopper({
      bin: '970436',
      accountNumber: '0011001234567',
      name: 'Lê Thị Hoa',
      balance: 200_000,
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ bankShortName: 'Vietcombank', nameAscii: 'LE THI HOA', balance: 200_000 });
    const topped = await shopper({ bin: '970436', accountNumber: '0011001234567', balance: 900_000 });
    expect([topped.status, topped.body.balance, topped.body.name]).toEqual([200, 900_000, 'Lê Thị Hoa']);
    // The shopper's bank answers name inquiry with the shopper's name.
    const named = await call('POST', '/v1/accounts/inquiry', { bin: '970436', accountNumber: '0011001234567' });
    expect(named.body.accountName).toBe('Lê Thị Hoa');
    expect((await shopper({ bin: '999999' })).body.error.code).toBe('BIN_NOT_SUPPORTED');
    const generated = await shopper({});
    expect(generated.body.accountNumber).toMatch(/^\d{6,19}$/);
  });
});

describe('scanning and confirming', () => {
  test('the confirm screen names the bank, the stall (virtual account display name) and the amount', async () => {
    const s = await stall('B07');
    const confirm = await call('GET', `/shopper/decode?payload=${encodeURIComponent(s.staticQr)}`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({
      scheme: 'vietqr',
      pointOfInitiation: 'static',
      route: 'partner',
      bank: { bin: '970418', shortName: 'BIDV' },
      accountNumber: s.account,
      accountName: s.displayName,
      accountType: 'virtual',
      virtualAccount: { collectionAccount: COLLECTION, stallRef: 'B07' },
      amount: null,
      amountRequired: true,
      purpose: 'B07',
    });
    const dyn = await call('POST', '/shopper/decode', { payload: s.dynamicQr(75_000, 'DH7K2M9') });
    expect(dyn.body).toMatchObject({
      pointOfInitiation: 'dynamic',
      amount: 75_000,
      amountRequired: false,
      amountToPay: 75_000,
    });
  });
});

describe('paying', () => {
  test('a static QR needs an amount; with one, the stall is paid and the shopper debited', async () => {
    const s = await stall('C01');
    const payer = await shopper({ bin: '970422', balance: 1_000_000 });
    const missing = await pay({ payload: s.staticQr, shopperAccount: payer.body.accountNumber });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'AMOUNT_REQUIRED']);
    const paid = await pay({ payload: s.staticQr, amount: 35_000, shopperAccount: payer.body.accountNumber });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      status: 'completed',
      route: 'partner',
      amount: 35_000,
      payer: { bin: '970422', balanceAfter: 965_000 },
      receiver: {
        accountNumber: s.account,
        name: s.displayName,
        virtualAccount: s.account,
        collectionAccount: COLLECTION,
      },
      qr: { pointOfInitiation: 'static', amount: null, purpose: 'C01' },
    });
    expect(sim.ledger()).toEqual([
      expect.objectContaining({
        transactionId: paid.body.transactionId,
        kind: 'incoming',
        amount: 35_000,
        virtualAccount: s.account,
        to: expect.objectContaining({ accountNumber: COLLECTION }),
        from: expect.objectContaining({ bin: '970422', accountNumber: payer.body.accountNumber }),
      }),
    ]);
    expect((await call('GET', `/shopper/transactions/${paid.body.transactionId}`)).body).toMatchObject({
      amount: 35_000,
      description: paid.body.description,
    });
    expect((await call('GET', '/shopper/transactions/FT000000000000000')).status).toBe(404);
  });

  test("a dynamic QR's amount is used; another amount is refused unless overriding on purpose", async () => {
    const s = await stall('C02');
    const qr = s.dynamicQr(120_000, 'DH4X9P1');
    const paid = await pay({ payload: qr });
    expect([paid.status, paid.body.amount, paid.body.qr.amount]).toEqual([201, 120_000, 120_000]);
    expect((await pay({ payload: qr, amount: 120_000 })).status).toBe(201);
    const changed = await pay({ payload: qr, amount: 100_000 });
    expect([changed.status, changed.body.error.code]).toEqual([400, 'AMOUNT_MISMATCH']);
    const underpaid = await pay({ payload: qr, amount: 100_000, allowAmountOverride: true });
    expect([underpaid.status, underpaid.body.amount, underpaid.body.qr.amount]).toEqual([201, 100_000, 120_000]);
    expect(sim.ledger().map((t) => t.amount)).toEqual([120_000, 120_000, 100_000]);
  });

  test('amounts: positive whole đồng under the NAPAS limit', async () => {
    const s = await stall('C03');
    await shopper({ bin: '970407', accountNumber: '19031234567890', balance: 900_000_000 });
    const codes = [];
    for (const amount of [0, -5, 10.5, 500_000_000]) {
      codes.push((await pay({ payload: s.staticQr, amount, shopperAccount: '19031234567890' })).body.error.code);
    }
    expect(codes).toEqual(['INVALID_AMOUNT', 'INVALID_AMOUNT', 'INVALID_AMOUNT', 'AMOUNT_LIMIT_EXCEEDED']);
    expect((await pay({ payload: s.staticQr, amount: 499_999_999, shopperAccount: '19031234567890' })).status).toBe(
      201,
    );
  });

  test('a bad CRC, a broken payload and a foreign scheme are refused, and nothing moves', async () => {
    const s = await stall('C04');
    const qr = s.dynamicQr(50_000, 'DH1A2B3');
    const flipped = qr.slice(0, -4) + (qr.endsWith('0000') ? '0001' : '0000');
    const bad = await pay({ payload: flipped });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'QR_INVALID']);
    expect(bad.body.error.details.crcValid).toBe(false);
    expect(bad.body.error.details.problems).toEqual([expect.objectContaining({ code: 'QR.CRC_MISMATCH', path: '63' })]);
    const tampered = qr.replace('50000', '5000'); // amount changed by hand: lengths and CRC no longer agree
    expect((await pay({ payload: tampered })).body.error.code).toBe('QR_INVALID');
    expect((await pay({ payload: 'hello' })).body.error.code).toBe('QR_INVALID');
    expect((await call('GET', `/shopper/decode?payload=${encodeURIComponent(flipped)}`)).body.error.code).toBe(
      'QR_INVALID',
    );
    // Thai PromptPay: a well-formed EMVCo QR of another scheme.
    const promptpay = encodeEmvco([
      { id: '00', value: '01' },
      { id: '01', value: '11' },
      {
        id: '29',
        value: [
          { id: '00', value: 'A000000677010111' },
          { id: '01', value: '0066812345678' },
        ],
      },
      { id: '53', value: '764' },
      { id: '58', value: 'TH' },
    ]);
    const foreign = await pay({ payload: promptpay, amount: 10_000 });
    expect([foreign.status, foreign.body.error.code, foreign.body.error.details.scheme]).toEqual([
      422,
      'QR_SCHEME_UNSUPPORTED',
      'promptpay',
    ]);
    expect(sim.ledger()).toEqual([]);
    expect((await call('GET', '/shopper/transactions')).body.transactions).toEqual([]);
  });

  test('insufficient funds: 422 and nothing booked', async () => {
    const s = await stall('C05');
    const poor = await shopper({ bin: '970415', balance: 20_000 });
    const r = await pay({ payload: s.dynamicQr(25_000, 'DH9Z8Y7'), shopperAccount: poor.body.accountNumber });
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([
      422,
      'INSUFFICIENT_FUNDS',
      { balance: 20_000, amount: 25_000 },
    ]);
    expect(sim.ledger()).toEqual([]);
    expect((await shopper({ bin: '970415', accountNumber: poor.body.accountNumber })).body.balance).toBe(20_000);
    expect((await pay({ payload: s.staticQr, amount: 1, shopperAccount: '000000000' })).body.error.code).toBe(
      'SHOPPER_NOT_FOUND',
    );
  });

  test('the description carries the purpose behind a bank prefix, folded to ASCII', async () => {
    const s = await stall('C06');
    await shopper({ bin: '970436', accountNumber: '0011004455667', name: 'Nguyễn Văn An' });
    await shopper({ bin: '970422', accountNumber: '0912345678', name: 'Trần Thị Hoa' });
    const vcb = await pay({ payload: s.dynamicQr(40_000, 'DH5Q6W7'), shopperAccount: '0011004455667' });
    expect(vcb.body.description).toMatch(
      new RegExp(`^MBVCB\\.\\d{10}\\.\\d{6}\\.DH5Q6W7\\.CT tu 0011004455667 NGUYEN VAN AN toi ${s.account} QUAY C06`),
    );
    const mb = await pay({ payload: s.staticQr, amount: 15_000, shopperAccount: '0912345678' });
    expect(mb.body.description).toMatch(/^CT DEN:\d{12} C06$/);
    // The shopper typed over the content: diacritics go, and so does the code (a payment the ledger cannot match).
    const typed = await pay({
      payload: s.staticQr,
      amount: 15_000,
      shopperAccount: '0912345678',
      description: 'Trả tiền rau muống',
    });
    expect(typed.body.description).toMatch(/^CT DEN:\d{12} Tra tien rau muong$/);
    expect(sim.ledger().map((t) => t.description)).toEqual([
      vcb.body.description,
      mb.body.description,
      typed.body.description,
    ]);
  });

  test('a QR of another bank goes out interbank: the shopper pays, this bank books and notifies nothing', async () => {
    const receiver = await startReceiver();
    try {
      sim.addWebhook({ url: receiver.url, provider: 'bank-sim', secret: SECRET });
      // A vendor's personal Vietcombank QR stuck over the stall's poster.
      const fake = encodeVietQr({ bin: '970436', accountNumber: '1012345678', purpose: 'C07' });
      const confirm = await call('POST', '/shopper/decode', { payload: fake });
      expect(confirm.body).toMatchObject({
        route: 'interbank',
        bank: { shortName: 'Vietcombank' },
        accountType: 'personal',
      });
      const payer = await shopper({ bin: '970416', balance: 100_000 });
      const paid = await pay({ payload: fake, amount: 30_000, shopperAccount: payer.body.accountNumber });
      expect(paid.body).toMatchObject({
        route: 'interbank',
        deliveries: [],
        payer: { balanceAfter: 70_000 },
        receiver: { bin: '970436', accountNumber: '1012345678', collectionAccount: null },
      });
      expect(sim.ledger()).toEqual([]);
      expect(sim.webhookDeliveries()).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('end to end', () => {
  test('a QR encoded by @marketqr/vietqr for a registered virtual account is paid and notified, signed', async () => {
    const receiver = await startReceiver({ failFirst: 1 });
    try {
      const hook = await call('POST', '/__admin/webhooks', {
        url: receiver.url,
        provider: 'bank-sim',
        secret: SECRET,
        accounts: [COLLECTION],
      });
      expect(hook.status).toBe(201);
      const s = await stall('D09', 'Quầy D09 - Bà Lê Thị Hoa');
      const qr = s.dynamicQr(86_000, 'DH3M5N8');
      const payer = await shopper({ bin: '970436', accountNumber: '0011009876543', balance: 500_000 });
      const paid = await pay({ payload: qr, shopperAccount: payer.body.accountNumber, duplicate: true });
      expect(paid.status).toBe(201);
      expect(paid.body.receiver.name).toBe('Quầy D09 - Bà Lê Thị Hoa');
      expect(paid.body.deliveries).toHaveLength(2);
      expect(paid.body.deliveriesHref).toBe(`/__admin/webhook-deliveries?transactionId=${paid.body.transactionId}`);

      const [n, again] = await waitFor(() => receiver.accepted.length >= 2 && receiver.accepted, {
        intervalMs: 10,
        what: 'the notification and its duplicate',
      });
      expect(again!.raw).toBe(n!.raw);
      const ts = n!.headers['x-marketqr-timestamp'] as string;
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${n!.raw}`).digest('hex')}`;
      expect(n!.headers['x-marketqr-signature']).toBe(expected);
      expect(n!.body).toEqual({
        transactionId: paid.body.transactionId,
        direction: 'in',
        amount: 86_000,
        description: paid.body.description,
        accountNumber: COLLECTION,
        virtualAccount: s.account,
        bankBin: '970418',
        bookedAt: paid.body.bookedAt,
        counterparty: { bin: '970436', accountNumber: '0011009876543', name: payer.body.nameAscii },
      });
      expect(n!.body.description).toContain('DH3M5N8');

      const tx = await waitFor(async () => {
        const t = await call('GET', `/shopper/transactions/${paid.body.transactionId}`);
        return t.body.deliveries.every((d: { status: string }) => d.status === 'delivered') && t.body;
      });
      expect(tx.payer.balanceAfter).toBe(414_000);
      const d = (await call('GET', tx.deliveries[0].href)).body;
      expect(d.attempts.length + (await call('GET', tx.deliveries[1].href)).body.attempts.length).toBe(3);
    } finally {
      await receiver.close();
    }
  });
});
