/**
 * Webhooks from the simulated bank to a receiver on loopback: each format signed as documented (checked by the
 * receiver's own verifier), retried until acknowledged, duplicated on request, parked when the receiver never answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@marketqr/service-kit';
import { waitFor } from '@marketqr/test-harness';
import { simulatorConfigShape, webhookFromConfig } from '../src/config';
import { startBankSimulator, type RunningBankSimulator } from '../src';
import { startReceiver, verifyCasso, verifyTimestamped, type Receiver } from './receiver';

const SECRET = 'whsec_test_0123456789';
const COLLECTION = '1900123456';
/** Short waits so retries take milliseconds, not seconds. */
const FAST_RETRY = { delaysMs: [20, 40, 80], jitter: 0.5, timeoutMs: 10_000 };

let sim: RunningBankSimulator;
let receiver: Receiver;
/** Cleanups of what a test started besides `sim` and `receiver`. */
const extra: (() => Promise<void>)[] = [];

beforeEach(async () => {
  sim = await startBankSimulator({ seed: 'webhook-tests', webhookRetry: FAST_RETRY });
  receiver = await startReceiver();
});
afterEach(async () => {
  await sim.stop();
  await receiver.close();
  for (const cleanup of extra.splice(0)) await cleanup();
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

const addWebhook = (body: Record<string, unknown>) => call('POST', '/__admin/webhooks', { secret: SECRET, ...body });
const virtualAccount = async (stallRef: string) =>
  (
    await call('POST', '/v1/virtual-accounts', {
      collectionAccount: COLLECTION,
      stallRef,
      displayName: `Quầy ${stallRef}`,
    })
  ).body as { virtualAccount: string; displayName: string };
const incoming = (body: Record<string, unknown>) => call('POST', '/__admin/incoming-transfers', body);
const received = (r: Receiver, n: number) =>
  waitFor(() => r.accepted.length >= n && r.accepted, { what: `${n} notifications`, intervalMs: 10 });

describe('formats and signatures', () => {
  test('bank-sim: our own format, X-MarketQR headers, HMAC-SHA256 over timestamp.rawBody', async () => {
    const added = await addWebhook({ url: receiver.url, provider: 'bank-sim' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'wh_1', provider: 'bank-sim', accounts: null, secretSet: true });
    expect(added.body.secret).toBeUndefined();
    const va = await virtualAccount('B07');
    const booked = await incoming({
      toAccount: va.virtualAccount,
      amount: 45_000,
      description: 'B07 rau muong',
      fromBin: '970436',
      fromAccount: '0011004455667',
    });
    expect(booked.status).toBe(201);
    expect(booked.body.deliveries).toEqual([
      expect.objectContaining({ endpointId: 'wh_1', provider: 'bank-sim', href: expect.stringMatching(/^\/__admin/) }),
    ]);

    const [n] = await received(receiver, 1);
    expect(verifyTimestamped(n!, SECRET, 'x-marketqr')).toBe(true);
    expect(verifyTimestamped(n!, 'another-secret', 'x-marketqr')).toBe(false);
    expect(n!.headers['content-type']).toBe('application/json');
    expect(Object.keys(n!.body)).toEqual([
      'transactionId',
      'direction',
      'amount',
      'description',
      'accountNumber',
      'virtualAccount',
      'bankBin',
      'bookedAt',
      'counterparty',
    ]);
    expect(n!.body).toEqual({
      transactionId: booked.body.transactionId,
      direction: 'in',
      amount: 45_000,
      description: 'B07 rau muong',
      accountNumber: COLLECTION,
      virtualAccount: va.virtualAccount,
      bankBin: '970418',
      bookedAt: booked.body.bookedAt,
      counterparty: { bin: '970436', accountNumber: '0011004455667', name: expect.stringMatching(/^[A-Z ]+$/) },
    });
    expect(n!.body.transactionId).toMatch(/^FT\d{15}$/);

    const delivery = await waitFor(async () => {
      const d = await call('GET', booked.body.deliveries[0].href);
      return d.body.status === 'delivered' && d.body;
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, error: null, response: '{"ok":true,"duplicate":false}' }),
    ]);
    expect(delivery.rawBody).toBe(n!.raw);
  });

  test('sepay: SePay body with Vietnam time, running balance and sub-account; X-SePay headers', async () => {
    await addWebhook({ url: receiver.url, provider: 'sepay' });
    const va = await virtualAccount('C12');
    const first = await incoming({ toAccount: va.virtualAccount, amount: 30_000, bookedAt: '2025-03-06T09:15:30Z' });
    await incoming({
      toAccount: COLLECTION,
      amount: 20_000,
      description: 'tien cho',
      bookedAt: '2025-03-06T09:16:00Z',
    });
    const all = await received(receiver, 2);
    for (const n of all) expect(verifyTimestamped(n, SECRET, 'x-sepay')).toBe(true);
    const viaVa = all.find((n) => n.body.subAccount !== null)!;
    const direct = all.find((n) => n.body.subAccount === null)!;
    expect(Object.keys(viaVa.body)).toEqual([
      'id',
      'gateway',
      'transactionDate',
      'accountNumber',
      'code',
      'content',
      'transferType',
      'transferAmount',
      'accumulated',
      'subAccount',
      'referenceCode',
    ]);
    expect(viaVa.body).toEqual({
      id: expect.any(Number),
      gateway: 'BIDV',
      transactionDate: '2025-03-06 16:15:30',
      accountNumber: COLLECTION,
      code: null,
      content: first.body.description,
      transferType: 'in',
      transferAmount: 30_000,
      accumulated: 30_000,
      subAccount: va.virtualAccount,
      referenceCode: expect.stringMatching(/^MBVCB\.\d{10}$/),
    });
    expect(direct.body).toMatchObject({ accumulated: 50_000, subAccount: null, content: 'tien cho' });
    expect(direct.body.id).not.toBe(viaVa.body.id);
  });

  test('casso: webhook v2 body, X-Casso-Signature t=<ms>,v1=HMAC-SHA512 over the key-sorted JSON', async () => {
    await addWebhook({ url: receiver.url, provider: 'casso' });
    const va = await virtualAccount('D03');
    const booked = await incoming({
      toAccount: va.virtualAccount,
      amount: 125_000,
      description: 'DH8F3K2',
      fromBin: '970422',
      fromAccount: '0912345678',
      bookedAt: '2025-03-06T09:15:30Z',
    });
    const [n] = await received(receiver, 1);
    expect(verifyCasso(n!, SECRET)).toBe(true);
    expect(verifyCasso(n!, 'wrong')).toBe(false);
    // Sent in the documented (natural) order, not sorted: a receiver must sort before hashing.
    expect(Object.keys(n!.body)).toEqual(['error', 'data']);
    expect(n!.body).toEqual({
      error: 0,
      data: {
        id: expect.any(Number),
        reference: booked.body.transactionId,
        description: 'DH8F3K2',
        amount: 125_000,
        runningBalance: 125_000,
        transactionDateTime: '2025-03-06 16:15:30',
        accountNumber: COLLECTION,
        bankName: 'BIDV',
        bankAbbreviation: 'BIDV',
        virtualAccountNumber: va.virtualAccount,
        virtualAccountName: 'Quầy D03',
        counterAccountName: booked.body.from.name,
        counterAccountNumber: '0912345678',
        counterAccountBankId: '970422',
        counterAccountBankName: 'MBBank',
      },
    });
    expect(Object.keys(n!.body.data)).toHaveLength(15);
  });

  test('a per-credit provider override and delay; an endpoint hears only the accounts it covers', async () => {
    const other = await startReceiver();
    extra.push(() => other.close());
    await addWebhook({ url: receiver.url, provider: 'bank-sim' });
    await addWebhook({ url: other.url, provider: 'bank-sim', accounts: ['1900999999'] });
    const sent = Date.now();
    const r = await incoming({ toAccount: COLLECTION, amount: 10_000, provider: 'casso', delayMs: 300 });
    expect(r.body.deliveries).toHaveLength(1);
    const [n] = await received(receiver, 1);
    expect(n!.at - sent).toBeGreaterThanOrEqual(290);
    expect(n!.body.error).toBe(0);
    expect(verifyCasso(n!, SECRET)).toBe(true);

    await incoming({ toAccount: '1900999999', amount: 20_000 });
    const [m] = await received(other, 1);
    expect(m!.body).toMatchObject({ accountNumber: '1900999999', amount: 20_000 });
    await received(receiver, 2);
    expect(other.accepted).toHaveLength(1);
  });
});

describe('delivery', () => {
  test('retries with backoff until the receiver acknowledges (500 for the first 3)', async () => {
    receiver.failNext(3);
    await addWebhook({ url: receiver.url, provider: 'bank-sim' });
    const r = await incoming({ toAccount: COLLECTION, amount: 15_000 });
    const [n] = await received(receiver, 1);
    expect(verifyTimestamped(n!, SECRET, 'x-marketqr')).toBe(true);
    expect(receiver.hits).toBe(4);
    const d = await waitFor(async () => {
      const x = await call('GET', r.body.deliveries[0].href);
      return x.body.status === 'delivered' && x.body;
    });
    expect(d.attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 500, 200]);
    // Jittered backoff: each wait at least half its nominal value (20, 40, 80 ms with jitter 0.5 → ≥ 15, 30, 60).
    const starts = d.attempts.map((a: { startedAt: string }) => Date.parse(a.startedAt));
    expect(starts[3] - starts[0]).toBeGreaterThanOrEqual(15 + 30 + 60 - 5);
  });

  test('survives the receiver being down: connection refused, then delivered once it is back', async () => {
    const port = receiver.port;
    await receiver.close();
    // Retries every second for 50 s: room for the receiver to come back on a busy machine.
    await addWebhook({ url: receiver.url, provider: 'sepay', retry: { delaysMs: [1_000], maxAttempts: 50 } });
    const r = await incoming({ toAccount: COLLECTION, amount: 12_000 });
    const failing = await waitFor(async () => {
      const x = await call('GET', r.body.deliveries[0].href);
      return x.body.attempts.length >= 2 && x.body;
    });
    // Between attempts it is scheduled; a third attempt may already be under way when we look. Never delivered yet.
    expect(['scheduled', 'in_flight']).toContain(failing.status);
    expect(failing.attempts[0]).toMatchObject({ status: null, error: 'ECONNREFUSED' });
    receiver = await startReceiver({ port });
    const [n] = await received(receiver, 1);
    expect(verifyTimestamped(n!, SECRET, 'x-sepay')).toBe(true);
    expect(n!.body.transferAmount).toBe(12_000);
  });

  test('parked after the last attempt, visible in the admin API, and redelivered on request', async () => {
    receiver.failNext(1_000);
    await addWebhook({ url: receiver.url, provider: 'bank-sim', retry: { maxAttempts: 3 } });
    const r = await incoming({ toAccount: COLLECTION, amount: 8_000 });
    const parked = await waitFor(async () => {
      const x = await call('GET', '/__admin/webhook-deliveries?status=parked');
      return x.body.deliveries.length === 1 && x.body;
    });
    expect(parked.counts).toMatchObject({ parked: 1, delivered: 0 });
    expect(parked.deliveries[0]).toMatchObject({ id: r.body.deliveries[0].id, maxAttempts: 3 });
    expect(parked.deliveries[0].attempts).toHaveLength(3);
    expect(receiver.hits).toBe(3);

    receiver.failNext(0);
    expect((await call('POST', `${r.body.deliveries[0].href}/redeliver`)).status).toBe(200);
    await received(receiver, 1);
    expect((await call('GET', '/__admin/webhook-deliveries?status=delivered')).body.deliveries).toHaveLength(1);
    expect((await call('POST', '/__admin/webhook-deliveries/whd_999999/redeliver')).body.error.code).toBe(
      'DELIVERY_NOT_FOUND',
    );
  });

  test('duplicates on purpose: the same bytes twice (or n+1 times), each acknowledged on its own', async () => {
    await addWebhook({ url: receiver.url, provider: 'bank-sim' });
    const twice = await incoming({ toAccount: COLLECTION, amount: 5_000, duplicate: true });
    expect(twice.body.deliveries.map((d: { copy: number }) => d.copy)).toEqual([1, 2]);
    const all = await received(receiver, 2);
    expect(all[0]!.raw).toBe(all[1]!.raw);
    for (const n of all) expect(verifyTimestamped(n, SECRET, 'x-marketqr')).toBe(true);
    const responses = await waitFor(async () => {
      const x = await call('GET', `/__admin/webhook-deliveries?transactionId=${twice.body.transactionId}`);
      const done = x.body.deliveries.filter((d: { status: string }) => d.status === 'delivered');
      return done.length === 2 && done.map((d: { attempts: { response: string }[] }) => d.attempts[0]!.response);
    });
    expect(responses.sort()).toEqual(['{"ok":true,"duplicate":false}', '{"ok":true,"duplicate":true}']);

    await incoming({ toAccount: COLLECTION, amount: 6_000, duplicates: 2 });
    const five = await received(receiver, 5);
    expect(five.filter((n) => n.body.amount === 6_000)).toHaveLength(3);
  });

  test('endpoints at run time: list, replace by id, remove (pending deliveries cancelled); reset restores', async () => {
    expect((await call('GET', '/__admin/webhooks')).body.webhooks).toEqual([]);
    expect((await addWebhook({ url: 'ftp://example.com/x' })).status).toBe(400);
    expect((await addWebhook({ url: receiver.url, provider: 'paypal' })).status).toBe(400);
    expect((await call('POST', '/__admin/webhooks', { url: receiver.url })).status).toBe(400);
    await addWebhook({ id: 'ledger', url: receiver.url, provider: 'sepay' });
    await addWebhook({ id: 'ledger', url: receiver.url, provider: 'casso' });
    const list = (await call('GET', '/__admin/webhooks')).body.webhooks;
    expect(list).toEqual([expect.objectContaining({ id: 'ledger', provider: 'casso' })]);

    const r = await incoming({ toAccount: COLLECTION, amount: 1_000, delayMs: 60_000 });
    expect((await call('DELETE', '/__admin/webhooks/ledger')).status).toBe(200);
    expect((await call('GET', r.body.deliveries[0].href)).body.status).toBe('cancelled');
    expect((await call('DELETE', '/__admin/webhooks/ledger')).body.error.code).toBe('WEBHOOK_NOT_FOUND');

    const configured = await startBankSimulator({
      seed: 'webhook-tests',
      webhooks: [{ id: 'env', url: receiver.url, provider: 'bank-sim', secret: SECRET }],
    });
    extra.push(() => configured.stop());
    configured.addWebhook({ url: receiver.url, provider: 'sepay', secret: 'x' });
    configured.receiveTransfer({ toAccount: COLLECTION, amount: 2_000, notify: { delayMs: 60_000 } });
    expect(configured.webhookDeliveries()).toHaveLength(2);
    configured.reset();
    expect(configured.webhookDeliveries()).toEqual([]);
    expect(configured.state.webhooks.listEndpoints().map((w) => w.id)).toEqual(['env']);
  });
});

describe('environment', () => {
  test('BANK_SIM_WEBHOOK_* (secret from a file too) become an endpoint and a retry policy', () => {
    const none = webhookFromConfig(loadConfig(simulatorConfigShape, {}));
    expect(none.webhooks).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'bank-sim-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file\n');
    const config = loadConfig(simulatorConfigShape, {
      BANK_SIM_WEBHOOK_URL: 'http://payment-ledger:3003/webhooks/bank',
      BANK_SIM_WEBHOOK_PROVIDER: 'sepay',
      BANK_SIM_WEBHOOK_SECRET_FILE: join(dir, 'secret'),
      BANK_SIM_WEBHOOK_ACCOUNTS: '1900123456, 1900999999',
      BANK_SIM_WEBHOOK_BACKOFF_MS: '100,1000,10000',
      BANK_SIM_WEBHOOK_MAX_ATTEMPTS: '5',
    });
    expect(webhookFromConfig(config)).toEqual({
      webhooks: [
        {
          id: 'env',
          url: 'http://payment-ledger:3003/webhooks/bank',
          provider: 'sepay',
          secret: 'from-a-file',
          accounts: ['1900123456', '1900999999'],
        },
      ],
      webhookRetry: { maxAttempts: 5, timeoutMs: 5_000, delaysMs: [100, 1_000, 10_000] },
    });
    const noSecret = loadConfig(simulatorConfigShape, { BANK_SIM_WEBHOOK_URL: 'http://localhost:3003/x' });
    expect(() => webhookFromConfig(noSecret)).toThrow(/BANK_SIM_WEBHOOK_SECRET/);
    expect(() => loadConfig(simulatorConfigShape, { BANK_SIM_WEBHOOK_PROVIDER: 'payos' })).toThrow(
      /BANK_SIM_WEBHOOK_PROVIDER/,
    );
    expect(() => loadConfig(simulatorConfigShape, { BANK_SIM_WEBHOOK_BACKOFF_MS: '100,soon' })).toThrow(
      /BANK_SIM_WEBHOOK_BACKOFF_MS/,
    );
  });
});
