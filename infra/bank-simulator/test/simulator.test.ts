/**
 * The simulator's own contract, over real HTTP with plain fetch: what a bank client (the gateway, or a test written
 * against the admin API from another language) can rely on.
 */
import { loadConfig } from '@marketqr/service-kit';
import { waitFor } from '@marketqr/test-harness';
import { simulatorConfigShape } from '../src/config';
import { holderNameFor, startBankSimulator, toAsciiUpper, businessDayOf, type RunningBankSimulator } from '../src';

let sim: RunningBankSimulator;

beforeEach(async () => {
  sim = await startBankSimulator({ seed: 'sim-tests' });
});
afterEach(async () => {
  await sim.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // Assertions reach into arbitrary answers; a loose type keeps them readable, the assertions do the checking.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
const inquiry = (bin: string, accountNumber: string) => call('POST', '/v1/accounts/inquiry', { bin, accountNumber });
const payout = (key: string | undefined, body: Record<string, unknown>) =>
  call('POST', '/v1/payouts', body, key ? { 'idempotency-key': key } : {});
const PAYOUT = { toBin: '970422', toAccount: '0987654321', amount: 500_000, description: 'MARKETQR 2025-03-01 A12' };

describe('accounts', () => {
  test('holders are Vietnamese names with diacritics, fixed by BIN and account', async () => {
    const a = await inquiry('970415', '101867452301');
    expect(a.status).toBe(200);
    expect(a.body.accountName).toBe(holderNameFor('970415', '101867452301'));
    expect(a.body.accountNameAscii).toBe(toAsciiUpper(a.body.accountName));
    expect(a.body).toMatchObject({ bankShortName: 'VietinBank', accountType: 'personal' });
    const names = new Set<string>();
    for (let i = 0; i < 40; i++) names.add(holderNameFor('970436', `00110044${String(i).padStart(5, '0')}`));
    expect(names.size).toBeGreaterThan(30);
    expect([...names].some((n) => /[ăâđêôơưàảãáạ]/i.test(n))).toBe(true);
    expect([...names].every((n) => n.split(' ').length >= 3)).toBe(true);
  });

  test('unknown BIN, malformed account, closed and missing accounts are rejected with bank codes', async () => {
    expect((await inquiry('970499', '0011004455667')).body.error.code).toBe('BIN_NOT_SUPPORTED');
    expect((await inquiry('970436', '12-34')).body.error.code).toBe('ACCOUNT_INVALID');
    expect((await inquiry('970436', '12345')).body.error.code).toBe('ACCOUNT_INVALID');
    await call('POST', '/__admin/accounts', { bin: '970436', accountNumber: '0011000000001', status: 'closed' });
    await call('POST', '/__admin/accounts', { bin: '970436', accountNumber: '0011000000002', status: 'missing' });
    const closed = await inquiry('970436', '0011000000001');
    expect([closed.status, closed.body.error.code]).toEqual([422, 'ACCOUNT_CLOSED']);
    expect((await inquiry('970436', '0011000000002')).body.error.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await call('POST', '/v1/accounts/inquiry', { bin: 970436 })).status).toBe(400);
  });

  test('a virtual account is issued once per stall and answers name inquiry with its display name', async () => {
    const first = await call('POST', '/v1/virtual-accounts', { collectionAccount: '1900123456', stallRef: 'B07' });
    const again = await call('POST', '/v1/virtual-accounts', { collectionAccount: '1900123456', stallRef: 'B07' });
    const other = await call('POST', '/v1/virtual-accounts', { collectionAccount: '1900123456', stallRef: 'B08' });
    expect([first.status, again.status, other.status]).toEqual([201, 200, 201]);
    expect(again.body.virtualAccount).toBe(first.body.virtualAccount);
    expect(other.body.virtualAccount).not.toBe(first.body.virtualAccount);
    expect(first.body.virtualAccount).toMatch(/^96\d{10}$/);
    const named = await inquiry('970418', first.body.virtualAccount);
    expect(named.body).toMatchObject({ accountType: 'virtual', accountName: first.body.displayName });
  });
});

describe('payouts', () => {
  test('idempotent by key: same body → the original (never a second transfer), other body → 409', async () => {
    const first = await payout('payout-key-0001', PAYOUT);
    expect(first.status).toBe(201);
    const replay = await payout('payout-key-0001', PAYOUT);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const reused = await payout('payout-key-0001', { ...PAYOUT, amount: 500_001 });
    expect([reused.status, reused.body.error.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    expect(sim.ledger()).toHaveLength(1);
    expect(sim.ledger()[0]).toMatchObject({ kind: 'payout', amount: 500_000, payoutId: first.body.payoutId });
  });

  test('a payout needs a key, an integer amount within the NAPAS limit and a reachable account', async () => {
    expect((await payout(undefined, PAYOUT)).body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await payout('payout-key-0002', { ...PAYOUT, amount: 10.5 })).body.error.code).toBe('INVALID_REQUEST');
    expect((await payout('payout-key-0002', { ...PAYOUT, amount: 500_000_000 })).body.error.code).toBe(
      'AMOUNT_LIMIT_EXCEEDED',
    );
    expect((await payout('payout-key-0002', { ...PAYOUT, toBin: '123456' })).body.error.code).toBe('BIN_NOT_SUPPORTED');
    // Nothing was remembered under the key: the corrected payout goes through with it.
    expect((await payout('payout-key-0002', PAYOUT)).status).toBe(201);
    expect(sim.ledger()).toHaveLength(1);
  });

  test('status by id and by key', async () => {
    const p = await payout('payout-key-0003', PAYOUT);
    expect((await call('GET', `/v1/payouts/${p.body.payoutId}`)).body).toEqual(p.body);
    expect((await call('GET', '/v1/payouts/by-key/payout-key-0003')).body).toEqual(p.body);
    expect((await call('GET', '/v1/payouts/by-key/never-used-key')).body.error.code).toBe('PAYOUT_NOT_FOUND');
  });
});

describe('ledger and statements', () => {
  test('a statement lists an account by Vietnamese business day, pages with a cursor bound to it', async () => {
    const va = await call('POST', '/v1/virtual-accounts', { collectionAccount: '1900123456', stallRef: 'C01' });
    for (const [amount, at] of [
      [20_000, '2025-03-01T16:59:59Z'], // 23:59:59 on the 1st in Vietnam
      [30_000, '2025-03-01T17:00:00Z'], // 00:00 on the 2nd
      [40_000, '2025-03-02T03:00:00Z'],
    ] as const) {
      const r = await call('POST', '/__admin/incoming-transfers', {
        toAccount: va.body.virtualAccount,
        amount,
        bookedAt: at,
      });
      expect(r.status).toBe(201);
    }
    expect(businessDayOf(new Date('2025-03-01T17:00:00Z'))).toBe('2025-03-02');
    const day1 = await call('GET', '/v1/statements?accountNumber=1900123456&date=2025-03-01');
    expect(day1.body.entries.map((e: { amount: number }) => e.amount)).toEqual([20_000]);
    const page1 = await call('GET', '/v1/statements?accountNumber=1900123456&date=2025-03-02&limit=1');
    expect(page1.body.totals.credit).toEqual({ count: 2, amount: 70_000 });
    const page2 = await call(
      'GET',
      `/v1/statements?accountNumber=1900123456&date=2025-03-02&limit=1&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.entries.map((e: { amount: number }) => e.amount)).toEqual([40_000]);
    expect(page2.body.nextCursor).toBeNull();
    const foreign = await call(
      'GET',
      `/v1/statements?accountNumber=1900999999&date=2025-03-02&cursor=${page1.body.nextCursor}`,
    );
    expect(foreign.status).toBe(400);
    expect((await call('GET', '/v1/statements?accountNumber=1900123456&date=2025-02-30')).status).toBe(400);

    const tx = day1.body.entries[0];
    const found = await call('GET', `/v1/transactions/${tx.transactionId}`);
    expect(found.body).toMatchObject({ transactionId: tx.transactionId, virtualAccount: va.body.virtualAccount });
    expect(tx.transactionId).toMatch(/^FT250302\d{9}$|^FT250301\d{9}$/);
  });

  test('reset forgets everything and replays the same ids for the same seed', async () => {
    const firstRun = (await payout('payout-key-0004', PAYOUT)).body;
    await call('POST', '/__admin/faults', { latencyMs: 5 });
    expect((await call('POST', '/__admin/reset')).body).toEqual({ reset: true, seed: 'sim-tests' });
    expect(sim.ledger()).toHaveLength(0);
    expect(sim.requestCount()).toBe(0);
    expect((await call('GET', '/__admin/faults')).body.rules).toEqual([]);
    const secondRun = (await payout('payout-key-0004', PAYOUT)).body;
    expect(secondRun.payoutId).toBe(firstRun.payoutId);
    expect(secondRun.transactionId.slice(8)).toBe(firstRun.transactionId.slice(8));
  });
});

describe('faults', () => {
  test('set, read and clear through the admin API; bad rules are refused', async () => {
    const set = await call('POST', '/__admin/faults', [
      { errorRate: 0.3, operations: ['payout'] },
      { latencyMs: 10, times: 2 },
    ]);
    expect(set.status).toBe(200);
    expect(set.body.rules).toHaveLength(2);
    expect(set.body.rules[0]).toMatchObject({ id: 'f1', errorRate: 0.3, currentErrorRate: 0.3, remaining: null });
    await call('POST', '/__admin/faults?append=true', { outage: true, operations: ['statement'] });
    expect((await call('GET', '/__admin/faults')).body.rules).toHaveLength(3);
    expect((await call('POST', '/__admin/faults', { errorRate: 2 })).status).toBe(400);
    expect((await call('POST', '/__admin/faults', { lostResponse: 'delay' })).status).toBe(400);
    expect((await call('POST', '/__admin/faults', { operations: ['refund'], outage: true })).status).toBe(400);
    expect((await call('POST', '/__admin/faults', {})).status).toBe(400);
    await call('DELETE', '/__admin/faults');
    expect((await call('GET', '/__admin/faults')).body.rules).toEqual([]);
  });

  test('targeting and times: only the named operation, only the next N requests', async () => {
    sim.setFaults({ outage: true, outageMode: '503', operations: ['name_inquiry'], times: 2 });
    expect((await call('GET', '/v1/payouts/by-key/none-such-key')).status).toBe(404);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await inquiry('970436', '0011004455667')).status);
    expect(codes).toEqual([503, 503, 200]);
    expect((await inquiry('970436', '0011004455667')).status).toBe(200);
    expect((await call('GET', '/__admin/faults')).body.rules).toEqual([]);
  });

  test('an outage resets connections before the bank handles anything', async () => {
    sim.setFaults({ outage: true });
    await expect(payout('payout-key-0005', PAYOUT)).rejects.toThrow(/fetch failed/);
    expect(sim.ledger()).toHaveLength(0);
    expect(sim.requests()[0]).toMatchObject({ operation: 'payout', result: 'reset', faults: ['outage:reset'] });
  });

  test('a lost response loses the answer, not the transfer', async () => {
    sim.setFaults({ lostResponse: 'drop', times: 1, operations: ['payout'] });
    await expect(payout('payout-key-0006', PAYOUT)).rejects.toThrow(/fetch failed/);
    expect(sim.ledger()).toHaveLength(1);
    const retry = await payout('payout-key-0006', PAYOUT);
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(sim.ledger()).toHaveLength(1);
  });

  test('"unknown" answers 504 OUTCOME_UNKNOWN after booking', async () => {
    sim.setFaults({ lostResponse: 'unknown', operations: ['payout'], times: 1 });
    const r = await payout('payout-key-0007', PAYOUT);
    expect([r.status, r.body.error.code]).toEqual([504, 'OUTCOME_UNKNOWN']);
    expect(sim.payouts()).toHaveLength(1);
  });

  test('slow recovery: the error rate falls to zero over recoveryMs', async () => {
    // The ramp's arithmetic is tested with a controlled clock in src/faults/faults.test.ts; here, over real HTTP, only
    // what holds however slow the machine is: the rule reports a falling rate, and once it reaches zero all pass.
    sim.setFaults({ errorRate: 1, recoveryMs: 300, operations: ['name_inquiry'] });
    const rateNow = async () => ((await call('GET', '/__admin/faults')).body.rules[0]?.currentErrorRate ?? 0) as number;
    const mid = await rateNow();
    expect(mid).toBeLessThanOrEqual(1);
    await waitFor(async () => (await rateNow()) === 0, { intervalMs: 20, what: 'the error rate to reach zero' });
    for (let i = 0; i < 5; i++) expect((await inquiry('970436', '0011004455667')).status).toBe(200);
  });

  test('with one seed, a random error rate fails the same requests every run', async () => {
    const pattern = async (s: RunningBankSimulator) => {
      s.setFaults({ errorRate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await fetch(`${s.url}/v1/accounts/inquiry`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bin: '970436', accountNumber: '0011004455667' }),
        });
        await res.text();
        out.push(res.status);
      }
      return out;
    };
    const other = await startBankSimulator({ seed: 'sim-tests' });
    try {
      const a = await pattern(sim);
      const b = await pattern(other);
      expect(a).toEqual(b);
      expect(a).toContain(503);
      expect(a).toContain(200);
    } finally {
      await other.stop();
    }
  });

  test('stop does not wait out a long fault latency', async () => {
    sim.setFaults({ latencyMs: 60_000 });
    const pending = inquiry('970436', '0011004455667').catch((e: Error) => e);
    await waitFor(() => sim.requestCount() > 0, { intervalMs: 5, what: 'the request to reach the bank' });
    const started = Date.now();
    await sim.stop();
    // Long before the fault's minute (a loose bound: a busy machine may be seconds late, never a minute).
    expect(Date.now() - started).toBeLessThan(30_000);
    // fetch's TypeError comes from another realm than jest's, so match on the message, not the class.
    expect(String(await pending)).toMatch(/fetch failed/);
  });
});

describe('security and config', () => {
  test('with an api key configured, bank routes need it; admin routes do not', async () => {
    const locked = await startBankSimulator({ apiKey: 'secret-key' });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${locked.url}/v1/accounts/inquiry`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ bin: '970436', accountNumber: '0011004455667' }),
        });
      expect((await post({})).status).toBe(401);
      expect((await post({ 'x-api-key': 'secret-key' })).status).toBe(200);
      expect((await fetch(`${locked.url}/__admin/faults`)).status).toBe(200);
      expect((await fetch(`${locked.url}/healthz`)).status).toBe(200);
    } finally {
      await locked.stop();
    }
  });

  test('environment: port 4199 by default, faults as JSON, bad values named', () => {
    const config = loadConfig(simulatorConfigShape, {});
    expect(config).toMatchObject({ BANK_SIM_PORT: 4199, BANK_SIM_PARTNER_BIN: '970418', BANK_SIM_FAULTS: [] });
    const withFaults = loadConfig(simulatorConfigShape, {
      BANK_SIM_FAULTS: '{"latencyMs":100}',
      BANK_SIM_PORT: '5000',
    });
    expect(withFaults).toMatchObject({ BANK_SIM_PORT: 5000, BANK_SIM_FAULTS: [{ latencyMs: 100 }] });
    expect(() => loadConfig(simulatorConfigShape, { BANK_SIM_FAULTS: '{"errorRate":7}' })).toThrow(/BANK_SIM_FAULTS/);
    expect(() => loadConfig(simulatorConfigShape, { BANK_SIM_PORT: 'x' })).toThrow(/BANK_SIM_PORT/);
  });
});
