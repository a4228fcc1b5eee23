/**
 * The gateway against the real bank simulator over loopback HTTP: every failure here is a real socket being refused,
 * reset or left hanging, not a mock. Timeouts are 200 ms and backoffs a few ms, so the whole file runs in seconds.
 */
import {
  BANK_OPERATIONS,
  BankRejectedError,
  BankTimeoutError,
  BankUnavailableError,
  METRIC_NAMES,
  type BankGateway,
} from '../src';
import {
  BANK_OPERATIONS as SIMULATED_OPERATIONS,
  holderNameFor,
  startBankSimulator,
  type RunningBankSimulator,
} from '../../../infra/bank-simulator/src';
import { caught, metricValue, testGateway, waitFor } from './support';

const VCB = '970436';
const MB = '970422';
const COLLECTION = '1900123456';

let sim: RunningBankSimulator;
let gateway: BankGateway;

beforeEach(async () => {
  sim = await startBankSimulator({ seed: 'gateway-tests', apiKey: 'test-key' });
  gateway = testGateway(sim);
});

afterEach(async () => {
  gateway.shutdown();
  await sim.stop();
});

const payout = (key: string, overrides: Record<string, unknown> = {}) =>
  gateway.payout({
    idempotencyKey: key,
    toBin: MB,
    toAccount: '0987654321',
    amount: 1_250_000,
    description: 'MARKETQR settlement 2025-03-01 stall A12',
    ...overrides,
  });

test('the gateway and the simulator name the same operations', () => {
  expect([...SIMULATED_OPERATIONS]).toEqual([...BANK_OPERATIONS]);
});

describe('name inquiry', () => {
  test('returns the holder name, with diacritics, the same every time', async () => {
    const first = await gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' });
    const again = await gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' });
    expect(first.accountName).toBe(holderNameFor(VCB, '0011004455667'));
    expect(first.accountName).toMatch(/^\p{Lu}\p{Ll}* /u);
    expect(first.accountNameAscii).toMatch(/^[A-Z ]+$/);
    expect(first.bankShortName).toBe('Vietcombank');
    expect(again).toEqual(first);
  });

  test('returns the name a test registered', async () => {
    sim.registerAccount({ bin: MB, accountNumber: '0912345678', name: 'Nguyễn Thị Tư', status: 'active' });
    const r = await gateway.nameInquiry({ bin: MB, accountNumber: '0912345678' });
    expect(r).toMatchObject({ accountName: 'Nguyễn Thị Tư', accountNameAscii: 'NGUYEN THI TU' });
  });

  test('an unknown BIN is BANK.REJECTED with the bank code, sent once, and does not trip the breaker', async () => {
    for (let i = 0; i < 5; i++) {
      const err = await caught(gateway.nameInquiry({ bin: '999999', accountNumber: '0011004455667' }));
      expect(err).toBeInstanceOf(BankRejectedError);
      expect(err).toMatchObject({
        code: 'BANK.REJECTED',
        status: 422,
        bankCode: 'BIN_NOT_SUPPORTED',
        details: { operation: 'name_inquiry', attempts: 1, outcome: 'not_applied', httpStatus: 422 },
      });
    }
    expect(sim.requestCount('name_inquiry')).toBe(5);
    expect(gateway.breakerState('name_inquiry')).toBe('closed');
  });

  test('a missing account and a malformed one are rejected with their own codes', async () => {
    sim.registerAccount({ bin: VCB, accountNumber: '0011000000404', status: 'missing' });
    const missing = await caught(gateway.nameInquiry({ bin: VCB, accountNumber: '0011000000404' }));
    expect(missing).toMatchObject({ code: 'BANK.REJECTED', bankCode: 'ACCOUNT_NOT_FOUND' });
    const malformed = await caught(gateway.nameInquiry({ bin: VCB, accountNumber: 'ABC123' }));
    expect(malformed).toMatchObject({ code: 'BANK.REJECTED', bankCode: 'ACCOUNT_INVALID' });
  });

  test('bad input is refused before the network', async () => {
    const err = await caught(gateway.nameInquiry({ bin: '97043', accountNumber: '0011004455667' }));
    expect(err).toMatchObject({ code: 'BANK.INVALID_REQUEST', status: 400 });
    expect(sim.requestCount()).toBe(0);
  });

  test('a wrong api key is a rejection, not an outage', async () => {
    const other = testGateway(sim, { apiKey: 'wrong' });
    try {
      const err = await caught(other.nameInquiry({ bin: VCB, accountNumber: '0011004455667' }));
      expect(err).toMatchObject({ code: 'BANK.REJECTED', bankCode: 'UNAUTHORIZED', details: { httpStatus: 401 } });
    } finally {
      other.shutdown();
    }
  });
});

describe('circuit breaker', () => {
  test('opens after the configured failures, fails fast without the network, half-opens and closes on recovery', async () => {
    gateway.shutdown();
    gateway = testGateway(sim, { retry: { maxAttempts: 1 } });
    const ask = () => gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' });
    sim.setFaults({ outage: true, outageMode: 'reset', operations: ['name_inquiry'] });

    // volumeThreshold 3: the first two failures are judged too few; the third opens the breaker.
    for (let i = 1; i <= 3; i++) {
      const err = await caught(ask());
      expect(err).toBeInstanceOf(BankUnavailableError);
      expect(err).toMatchObject({ details: { reason: 'connection_lost', attempts: 1 } });
      expect(gateway.breakerState('name_inquiry')).toBe(i < 3 ? 'closed' : 'open');
    }
    expect(sim.requestCount('name_inquiry')).toBe(3);

    const fast = await caught(ask());
    expect(fast).toMatchObject({
      code: 'BANK.UNAVAILABLE',
      status: 503,
      details: { reason: 'breaker_open', attempts: 0 },
    });
    expect(sim.requestCount('name_inquiry')).toBe(3);
    expect(await metricValue(gateway.registry, METRIC_NAMES.state, { operation: 'name_inquiry' })).toBe(2);
    expect(
      await metricValue(gateway.registry, METRIC_NAMES.events, { operation: 'name_inquiry', event: 'reject' }),
    ).toBe(1);
    // Other operations have their own breakers.
    expect(gateway.breakerState('payout')).toBe('closed');

    sim.clearFaults();
    await waitFor(() => gateway.breakerState('name_inquiry') === 'half_open', 'the breaker to half-open');
    expect(await metricValue(gateway.registry, METRIC_NAMES.state, { operation: 'name_inquiry' })).toBe(1);

    const recovered = await ask();
    expect(recovered.accountName).toBe(holderNameFor(VCB, '0011004455667'));
    expect(gateway.breakerState('name_inquiry')).toBe('closed');
    expect(sim.requestCount('name_inquiry')).toBe(4);

    const transitions = async (to: string) =>
      metricValue(gateway.registry, METRIC_NAMES.transitions, { operation: 'name_inquiry', to });
    expect([await transitions('open'), await transitions('half_open'), await transitions('closed')]).toEqual([1, 1, 1]);
    expect(await metricValue(gateway.registry, METRIC_NAMES.state, { operation: 'name_inquiry' })).toBe(0);
    const text = await gateway.registry.metrics();
    expect(text).toContain('bank_gateway_breaker_state{operation="name_inquiry"} 0');
    expect(text).toMatch(/bank_gateway_attempt_duration_seconds_count\{operation="name_inquiry",result="failure"\} 3/);
  });

  test('a half-open trial that fails opens the breaker again', async () => {
    gateway.shutdown();
    gateway = testGateway(sim, { retry: { maxAttempts: 1 } });
    sim.setFaults({ errorRate: 1, operations: ['statement'] });
    const ask = () => gateway.getStatement({ accountNumber: COLLECTION, businessDay: '2025-03-01' });
    for (let i = 0; i < 3; i++) await caught(ask());
    expect(gateway.breakerState('statement')).toBe('open');
    await waitFor(() => gateway.breakerState('statement') === 'half_open', 'the breaker to half-open');
    const trial = await caught(ask());
    expect(trial).toMatchObject({ code: 'BANK.UNAVAILABLE', details: { reason: 'bank_unavailable' } });
    expect(gateway.breakerState('statement')).toBe('open');
    expect(await metricValue(gateway.registry, METRIC_NAMES.transitions, { operation: 'statement', to: 'open' })).toBe(
      2,
    );
  });

  test('with the simulator stopped the breaker opens; a restarted simulator closes it again', async () => {
    gateway.shutdown();
    gateway = testGateway(sim, { retry: { maxAttempts: 1 } });
    const port = sim.port;
    await sim.stop();
    const ask = () => gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' });
    for (let i = 0; i < 3; i++) {
      expect(await caught(ask())).toMatchObject({ code: 'BANK.UNAVAILABLE', details: { reason: 'unreachable' } });
    }
    expect(gateway.breakerState('name_inquiry')).toBe('open');
    expect(await caught(ask())).toMatchObject({ details: { reason: 'breaker_open', attempts: 0 } });

    sim = await startBankSimulator({ port, seed: 'gateway-tests', apiKey: 'test-key' });
    await waitFor(() => gateway.breakerState('name_inquiry') === 'half_open', 'the breaker to half-open');
    await expect(ask()).resolves.toMatchObject({ accountNumber: '0011004455667' });
    expect(gateway.breakerState('name_inquiry')).toBe('closed');
    // The restarted bank saw only the half-open trial.
    expect(sim.requestCount()).toBe(1);
  });

  test('a slow bank is BANK.TIMEOUT, and the abandoned request is cut at the deadline', async () => {
    gateway.shutdown();
    gateway = testGateway(sim, { retry: { maxAttempts: 1 } });
    // The bank answers after 3 s; the gateway's deadline is 200 ms.
    sim.setFaults({ latencyMs: 3_000, operations: ['transaction_lookup'] });
    const started = Date.now();
    const err = await caught(gateway.getTransaction('FT250301000001123'));
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(BankTimeoutError);
    expect(err).toMatchObject({ code: 'BANK.TIMEOUT', status: 504, details: { timeoutMs: 200, attempts: 1 } });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(
      await metricValue(gateway.registry, METRIC_NAMES.events, { operation: 'transaction_lookup', event: 'timeout' }),
    ).toBe(1);
    // Proof that the timeout aborted the fetch rather than waiting for the answer (no stopwatch needed): when its
    // latency ends, the bank finds the client gone; a gateway that had waited would have read a 200.
    await waitFor(
      () => sim.requests({ operation: 'transaction_lookup' })[0]?.result === 'client_closed',
      'the bank to see the hang-up',
    );
  });
});

describe('retries', () => {
  test('an idempotent read is retried with backoff until it succeeds; the bank sees every attempt of one call', async () => {
    const jitter: number[] = [];
    gateway.shutdown();
    gateway = testGateway(sim, {
      random: () => {
        jitter.push(1);
        return 0.5;
      },
    });
    sim.setFaults({ errorRate: 1, times: 2, operations: ['name_inquiry'] });
    const r = await gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' });
    expect(r.accountName).toBeTruthy();
    const seen = sim.requests({ operation: 'name_inquiry' });
    expect(seen.map((s) => [s.attempt, s.result])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(new Set(seen.map((s) => s.requestId)).size).toBe(1);
    expect(jitter).toHaveLength(2);
    expect(
      await metricValue(gateway.registry, METRIC_NAMES.retries, {
        operation: 'name_inquiry',
        reason: 'bank_unavailable',
      }),
    ).toBe(2);
  });

  test('retries are bounded: after maxAttempts the last failure is thrown', async () => {
    sim.setFaults({ outage: true, outageMode: '503', operations: ['statement'] });
    const err = await caught(gateway.getStatement({ accountNumber: COLLECTION, businessDay: '2025-03-01' }));
    expect(err).toMatchObject({ code: 'BANK.UNAVAILABLE', details: { reason: 'bank_unavailable', attempts: 3 } });
    expect(sim.requestCount('statement')).toBe(3);
  });

  test('lookups, status and registration are retried after a connection reset and a lost answer', async () => {
    sim.setFaults([
      { outage: true, outageMode: 'reset', times: 1, operations: ['virtual_account'] },
      { lostResponse: 'drop', times: 1, operations: ['virtual_account'] },
    ]);
    const va = await gateway.registerVirtualAccount({ collectionAccount: COLLECTION, stallRef: 'A12' });
    // The second attempt was handled and its answer lost; the third got the same number back.
    expect(va.created).toBe(false);
    expect(sim.requestCount('virtual_account')).toBe(3);
    expect(sim.state.accounts.virtualAccount(va.virtualAccount)).toBeDefined();
  });

  test('a payout without an idempotency key is never sent, let alone retried', async () => {
    const err = await caught(payout(undefined as unknown as string));
    expect(err).toMatchObject({ code: 'BANK.INVALID_REQUEST', details: { operation: 'payout' } });
    expect(sim.requestCount()).toBe(0);
  });

  test('a rejected payout is sent exactly once', async () => {
    const err = await caught(payout('settle-A12-2025-03-01', { toBin: '999999' }));
    expect(err).toMatchObject({
      code: 'BANK.REJECTED',
      bankCode: 'BIN_NOT_SUPPORTED',
      details: { outcome: 'not_applied' },
    });
    expect(sim.requestCount('payout')).toBe(1);
    expect(sim.ledger()).toHaveLength(0);
  });

  test('a payout the bank did not process (503) is retried with the same key and the same body', async () => {
    sim.setFaults({ errorRate: 1, times: 2, operations: ['payout'] });
    const p = await payout('settle-A12-2025-03-01');
    expect(p).toMatchObject({ status: 'SUCCEEDED', amount: 1_250_000, replayed: false });
    const seen = sim.requests({ operation: 'payout' });
    expect(seen.map((s) => s.idempotencyKey)).toEqual(Array(3).fill('settle-A12-2025-03-01'));
    expect(sim.ledger()).toHaveLength(1);
  });

  test('the same key with a different body is rejected, not retried', async () => {
    await payout('settle-A12-2025-03-01');
    const err = await caught(payout('settle-A12-2025-03-01', { amount: 1_250_001 }));
    expect(err).toMatchObject({
      code: 'BANK.REJECTED',
      bankCode: 'IDEMPOTENCY_KEY_REUSED',
      details: { httpStatus: 409 },
    });
    expect(sim.requestCount('payout')).toBe(2);
    expect(sim.ledger()).toHaveLength(1);
  });
});

describe('a payout is never sent twice for one idempotency key', () => {
  test.each([
    ['the connection drops after the bank booked it', { lostResponse: 'drop' as const }],
    ['the answer comes after the timeout', { lostResponse: 'delay' as const, responseDelayMs: 600 }],
    ['the bank answers "outcome unknown, check the status"', { lostResponse: 'unknown' as const }],
  ])('%s: the retry with the same key returns the original payout', async (_name, fault) => {
    sim.setFaults({ ...fault, times: 1, operations: ['payout'] });
    const p = await payout('settle-B07-2025-03-01');
    expect(p.replayed).toBe(true);
    const [only] = sim.payouts();
    expect(sim.payouts()).toHaveLength(1);
    expect(p.payoutId).toBe(only!.payoutId);
    expect(sim.ledger()).toHaveLength(1);
    expect(sim.ledger()[0]).toMatchObject({ kind: 'payout', amount: 1_250_000, payoutId: p.payoutId });
    const keys = sim.requests({ operation: 'payout' }).map((r) => r.idempotencyKey);
    expect(keys).toEqual(['settle-B07-2025-03-01', 'settle-B07-2025-03-01']);
  });

  test('when every answer is lost the caller is told the outcome is unknown, and the status says it happened', async () => {
    sim.setFaults({ lostResponse: 'drop', operations: ['payout'] });
    const err = await caught(payout('settle-C01-2025-03-01'));
    expect(err).toMatchObject({
      code: 'BANK.UNAVAILABLE',
      details: { reason: 'connection_lost', outcome: 'unknown', attempts: 3 },
    });
    expect(sim.requestCount('payout')).toBe(3);
    expect(sim.ledger()).toHaveLength(1);

    sim.clearFaults();
    const status = await gateway.payoutStatus({ idempotencyKey: 'settle-C01-2025-03-01' });
    expect(status).toMatchObject({
      status: 'SUCCEEDED',
      amount: 1_250_000,
      transactionId: sim.ledger()[0]!.transactionId,
    });
  });

  test('two concurrent sends of one key book one transfer', async () => {
    sim.setFaults({ latencyMs: 50, operations: ['payout'] });
    const [a, b] = await Promise.all([payout('settle-D02-2025-03-01'), payout('settle-D02-2025-03-01')]);
    expect(a.payoutId).toBe(b.payoutId);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(sim.ledger()).toHaveLength(1);
  });

  test('the amount must be a positive safe integer of đồng', async () => {
    for (const amount of [0, -1000, 1500.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, '150000']) {
      const err = await caught(payout('settle-E03-2025-03-01', { amount }));
      expect(err).toMatchObject({ code: 'BANK.INVALID_REQUEST' });
    }
    expect(sim.requestCount()).toBe(0);
  });
});

describe('the other operations', () => {
  test('virtual accounts, incoming transfers, lookups and the statement of a business day', async () => {
    const va = await gateway.registerVirtualAccount({
      collectionAccount: COLLECTION,
      stallRef: 'A12',
      displayName: 'CHO BEN THANH SAP A12',
    });
    expect(va).toMatchObject({ collectionAccount: COLLECTION, bin: '970418', created: true });
    const again = await gateway.registerVirtualAccount({ collectionAccount: COLLECTION, stallRef: 'A12' });
    expect(again).toMatchObject({ virtualAccount: va.virtualAccount, created: false });
    await expect(gateway.nameInquiry({ bin: '970418', accountNumber: va.virtualAccount })).resolves.toMatchObject({
      accountName: 'CHO BEN THANH SAP A12',
      accountType: 'virtual',
    });

    // 23:30 on 1 March in UTC is 06:30 on 2 March in Vietnam: the business day is the 2nd.
    const incoming = sim.receiveTransfer({
      toAccount: va.virtualAccount,
      amount: 45_000,
      description: 'A12 rau muong',
      bookedAt: new Date('2025-03-01T23:30:00Z'),
    });
    const tx = await gateway.getTransaction(incoming.transactionId);
    expect(tx).toMatchObject({
      kind: 'incoming',
      amount: 45_000,
      businessDay: '2025-03-02',
      virtualAccount: va.virtualAccount,
      to: { accountNumber: COLLECTION },
    });
    sim.receiveTransfer({ toAccount: va.virtualAccount, amount: 30_000, bookedAt: new Date('2025-03-02T02:00:00Z') });
    sim.receiveTransfer({ toAccount: va.virtualAccount, amount: 99_000, bookedAt: new Date('2025-03-02T18:00:00Z') });

    const page = await gateway.getStatement({ accountNumber: COLLECTION, businessDay: '2025-03-02', limit: 1 });
    expect(page.entries).toHaveLength(1);
    expect(page.totals.credit).toEqual({ count: 2, amount: 75_000 });
    expect(page.nextCursor).toBeTruthy();
    const all = [];
    for await (const e of gateway.iterateStatement({
      accountNumber: COLLECTION,
      businessDay: '2025-03-02',
      limit: 1,
    })) {
      all.push(e);
    }
    expect(all.map((e) => [e.direction, e.amount])).toEqual([
      ['credit', 45_000],
      ['credit', 30_000],
    ]);
    const nextDay = await gateway.getStatement({ accountNumber: COLLECTION, businessDay: '2025-03-03' });
    expect(nextDay.entries.map((e) => e.amount)).toEqual([99_000]);

    const missing = await caught(gateway.getTransaction('FT000000000000000'));
    expect(missing).toMatchObject({
      code: 'BANK.REJECTED',
      bankCode: 'TRANSACTION_NOT_FOUND',
      details: { httpStatus: 404 },
    });
  });

  test('payout status by id and by key; a payout debits the source account on its statement', async () => {
    const p = await payout('settle-F04-2025-03-01', { sourceAccount: COLLECTION });
    await expect(gateway.payoutStatus({ payoutId: p.payoutId })).resolves.toMatchObject({
      payoutId: p.payoutId,
      sourceAccount: COLLECTION,
    });
    await expect(gateway.payoutStatus({ idempotencyKey: 'settle-F04-2025-03-01' })).resolves.toMatchObject({
      payoutId: p.payoutId,
    });
    const unknown = await caught(gateway.payoutStatus({ idempotencyKey: 'settle-never-sent' }));
    expect(unknown).toMatchObject({ code: 'BANK.REJECTED', bankCode: 'PAYOUT_NOT_FOUND' });

    const tx = await gateway.getTransaction(p.transactionId!);
    const statement = await gateway.getStatement({ accountNumber: COLLECTION, businessDay: tx.businessDay });
    expect(statement.entries.map((e) => [e.direction, e.amount, e.payoutId])).toEqual([
      ['debit', 1_250_000, p.payoutId],
    ]);
    expect(statement.totals.debit).toEqual({ count: 1, amount: 1_250_000 });
  });

  test('after shutdown the gateway refuses calls', async () => {
    gateway.shutdown();
    const err = await caught(gateway.nameInquiry({ bin: VCB, accountNumber: '0011004455667' }));
    expect(err).toMatchObject({ code: 'BANK.UNAVAILABLE', details: { reason: 'shut_down' } });
    expect(sim.requestCount()).toBe(0);
  });
});
