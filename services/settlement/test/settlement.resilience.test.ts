/**
 * settlement when things go wrong, as scripts of messages in and out: the bank down for part of a batch (the breaker
 * opens, lines wait, the batch resumes by itself), the service stopped mid-batch and a new instance resuming on the
 * same database, and two replicas whose schedulers and admins race to cut one day off. In every case each line is
 * paid exactly once at the bank.
 */
import { startBankSimulator, type RunningBankSimulator } from '@marketqr/bank-simulator';
import mongoose from 'mongoose';
import { businessDayOf } from '../src/domain/business-day';
import { batchIdOf } from '../src/domain/ids';
import {
  activated,
  adminToken,
  client,
  eventProducer,
  payment,
  settlementEnv,
  settlementEvents,
  stall,
  startSettlement,
  uniqueName,
  waitFor,
  type Stall,
} from './support';

type Service = Awaited<ReturnType<typeof startSettlement>>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const prefix = `${uniqueName('stlr')}.`;
const dbName = uniqueName('test_settlement_res');
let sim: RunningBankSimulator;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let events: Awaited<ReturnType<typeof settlementEvents>>;
const running: Service[] = [];
const admin = adminToken();

// Every instance runs the scheduler, with a cut-off that has always passed today: the scenarios that cut off by hand
// use days far outside the catch-up window, so only the replica scenario's market is the scheduler's.
const env = (extra: Record<string, string> = {}) =>
  settlementEnv({
    dbName,
    prefix,
    bankUrl: sim.url,
    extra: { SETTLEMENT_SCHEDULER: 'on', SETTLEMENT_CUTOFF: '00:00', ...extra },
  });

async function start(extra: Record<string, string> = {}): Promise<Service> {
  const svc = await startSettlement(env(extra));
  running.push(svc);
  return svc;
}

beforeAll(async () => {
  sim = await startBankSimulator({ seed: 'settlement-resilience' });
  // The first instance creates the run's topics before anything reads or writes them.
  await start();
  producer = await eventProducer(prefix);
  events = await settlementEvents(prefix);
});

afterAll(async () => {
  await events?.stop();
  await producer?.stop();
  await Promise.all(running.map((s) => s.stop()));
  await sim?.stop();
  const { mongoUrl } = (await import('@marketqr/test-harness')).testInfra();
  const conn = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  await conn.dropDatabase();
  await conn.close();
});

async function prepare(svc: Service, market: string, day: string, amounts: number[]): Promise<Stall[]> {
  const call = client(() => svc.base);
  const stalls = amounts.map(() => stall(market));
  await producer.send(...stalls.map(activated));
  await producer.send(...stalls.map((s, i) => payment(s, amounts[i]!, day)));
  await waitFor(
    async () => {
      const sums = await Promise.all(
        stalls.map((s) => call('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: admin })),
      );
      return sums.every((r, i) => r.body.summary?.stall.known && r.body.summary.credits === amounts[i]);
    },
    { what: 'stalls and payments handled' },
  );
  return stalls;
}

async function batchLines(svc: Service, market: string): Promise<Json[]> {
  const call = client(() => svc.base);
  const r = await call('GET', `/markets/${market}/settlement-lines?pageSize=100`, { token: admin });
  return r.body.items ?? [];
}

/** Transfers at the bank per idempotency key of these lines' issues. */
function transfersOf(lines: Json[]) {
  const keys = new Set(lines.map((l) => l.payout.idempotencyKey));
  return sim.payouts().filter((p) => keys.has(p.idempotencyKey));
}

test('the bank down for part of the batch: lines wait, the breaker opens, the batch resumes by itself and pays once', async () => {
  const svc = running.at(-1)!;
  const call = client(() => svc.base);
  const market = uniqueName('cho_outage');
  const day = '2025-04-01';
  const amounts = [110_000, 220_000, 330_000, 440_000];
  const stalls = await prepare(svc, market, day, amounts);

  sim.setFaults({ operations: ['payout'], outage: true, outageMode: '503' });
  const cut = await call('POST', `/markets/${market}/settlements/cutoff`, { body: { businessDay: day }, token: admin });
  expect(cut.status).toBe(201);
  await waitFor(
    async () =>
      /bank_gateway_breaker_state\{operation="payout"[^}]*\} 2/.test(await (await fetch(`${svc.base}/metrics`)).text()),
    { what: 'the payout breaker open' },
  );
  const waiting = await batchLines(svc, market);
  expect(waiting).toHaveLength(4);
  expect(waiting.every((l) => ['pending', 'submitted', 'failed'].includes(l.state))).toBe(true);
  expect(transfersOf(waiting)).toHaveLength(0);
  const failures = await waitFor(
    () => {
      const found = events.ofType('settlement.failed').filter((e) => e.data.marketId === market);
      return found.length ? found : undefined;
    },
    { what: 'settlement.failed while the bank is down' },
  );
  expect(failures.every((e) => e.data.reasonCode === 'bank_unavailable' && e.data.retryable === true)).toBe(true);

  sim.clearFaults();
  const paid = await waitFor(
    async () => {
      const lines = await batchLines(svc, market);
      return lines.every((l) => l.state === 'paid') ? lines : undefined;
    },
    { what: 'every line paid after the bank came back' },
  );
  const transfers = transfersOf(paid);
  expect(transfers).toHaveLength(4);
  expect(transfers.map((t) => t.amount).sort((a, b) => a - b)).toEqual(amounts);
  await waitFor(() => events.paidFor(paid.map((l) => l.id)).length === 4, { what: 'four settlement.paid' });
  expect(paid.every((l) => l.payout.epoch === 1)).toBe(true);
  expect(stalls).toHaveLength(4);
});

test('the bank books a payout but its answer is lost: the same key is re-sent and the bank answers the original', async () => {
  const svc = running.at(-1)!;
  const market = uniqueName('cho_lost');
  const day = '2025-04-04';
  const amounts = [61_000, 62_000, 63_000];
  await prepare(svc, market, day, amounts);
  // Every first answer (and the gateway's own quick retry) is a 504 OUTCOME_UNKNOWN after the bank booked it.
  sim.setFaults({ operations: ['payout'], lostResponse: 'unknown', times: 2 * amounts.length });
  const cut = await client(() => svc.base)('POST', `/markets/${market}/settlements/cutoff`, {
    body: { businessDay: day },
    token: admin,
  });
  expect(cut.status).toBe(201);
  const paid = await waitFor(
    async () => {
      const lines = await batchLines(svc, market);
      return lines.length === 3 && lines.every((l) => l.state === 'paid') ? lines : undefined;
    },
    { what: 'every line paid despite the lost answers' },
  );
  expect(
    transfersOf(paid)
      .map((t) => t.amount)
      .sort((a, b) => a - b),
  ).toEqual(amounts);
  // Which line's answers were lost depends on timing; that some were, and each key was paid once, does not.
  const sends = paid.map(
    (l) => sim.requests({ operation: 'payout' }).filter((r) => r.idempotencyKey === l.payout.idempotencyKey).length,
  );
  expect(sends.reduce((a, b) => a + b, 0)).toBeGreaterThan(amounts.length);
  const unknown = await waitFor(
    () => {
      const found = events.ofType('settlement.failed').filter((e) => e.data.marketId === market);
      return found.length ? found : undefined;
    },
    { what: 'settlement.failed for the lost answers' },
  );
  // A 504 counts as a failure ("timeout"); once the 504s opened the breaker, the rest wait as "bank_unavailable".
  expect(unknown.map((e) => [e.data.reasonCode, e.data.retryable])).toEqual(
    unknown.map(() => [expect.stringMatching(/^(timeout|bank_unavailable)$/), true]),
  );
  sim.clearFaults();
});

test('a crash mid-batch: a new instance on the same database resumes, nothing is paid twice', async () => {
  // The instance that crashes waits for the bank as long as it may, so a payout in flight is still in flight when it
  // stops (with the usual 3 s timeout, a slow stop on a busy machine could see it time out and fail first). It is the
  // only instance, so it holds the payout lease.
  for (const svc of running.splice(0)) await svc.stop();
  const first = await start({ BANK_TIMEOUT_MS: '120000' });
  const market = uniqueName('cho_crash');
  const day = '2025-04-02';
  const amounts = [150_000, 250_000, 350_000, 450_000, 550_000, 650_000];
  await prepare(first, market, day, amounts);

  // Payouts hang at the bank (far longer than the stop's grace), so whatever is in flight when the service stops is
  // abandoned, whenever the stop comes: the bank has not booked those keys, and only the new instance re-sending
  // them settles each line. Nothing here depends on how fast the machine is.
  sim.setFaults({ operations: ['payout'], latencyMs: 600_000 });
  const cut = await client(() => first.base)('POST', `/markets/${market}/settlements/cutoff`, {
    body: { businessDay: day },
    token: admin,
  });
  expect(cut.status).toBe(201);
  await waitFor(async () => (await batchLines(first, market)).some((l) => l.state === 'submitted'), {
    what: 'a payout in flight',
  });
  await first.stop();
  running.splice(running.indexOf(first), 1);

  sim.clearFaults();
  const second = await start();
  const paid = await waitFor(
    async () => {
      const lines = await batchLines(second, market);
      return lines.length === amounts.length && lines.every((l) => l.state === 'paid') ? lines : undefined;
    },
    { what: 'every line paid by the new instance' },
  );
  const transfers = transfersOf(paid);
  expect(transfers.map((t) => t.amount).sort((a, b) => a - b)).toEqual(amounts);
  expect(new Set(transfers.map((t) => t.idempotencyKey)).size).toBe(amounts.length);
  // The interrupted payouts were resolved by re-sending their key: the bank saw some keys twice, paid each once (the
  // hung first requests are still waiting at the bank; they are cut when the simulator stops).
  const requests = sim
    .requests({ operation: 'payout' })
    .filter((r) => paid.some((l) => l.payout.idempotencyKey === r.idempotencyKey));
  expect(requests.length).toBeGreaterThan(amounts.length);
  await waitFor(() => events.paidFor(paid.map((l) => l.id)).length === amounts.length, { what: 'settlement.paid' });
});

test('a cut-off whose closer died half-way is finished by the worker', async () => {
  const svc = running.at(-1)!;
  const market = uniqueName('cho_dead_closer');
  const day = '2025-04-05';
  await prepare(svc, market, day, [41_000, 42_000]);
  // What a closer that died right after taking the slot and inserting the batch leaves behind.
  const { mongoUrl } = (await import('@marketqr/test-harness')).testInfra();
  const conn = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  const long = new Date(Date.now() - 60_000);
  await conn.collection('cutoff_slots').insertOne({
    _id: market,
    batchId: batchIdOf(market, day),
    businessDay: day,
    owner: 'dead-replica',
    token: 'dead',
    heartbeatAt: long,
  } as never);
  await conn.collection('batches').insertOne({
    _id: batchIdOf(market, day),
    marketId: market,
    businessDay: day,
    cutoffAt: long,
    state: 'closing',
    trigger: 'admin',
    createdBy: 'user-admin',
    lineIds: [],
    payableCount: 0,
    carriedCount: 0,
    totalNet: 0,
    createdAt: long,
    closedAt: null,
  } as never);
  await conn.close();
  const again = await client(() => svc.base)('POST', `/markets/${market}/settlements/cutoff`, {
    body: { businessDay: day },
    token: admin,
  });
  expect(again.body).toMatchObject({ created: false });
  const lines = await waitFor(
    async () => {
      const ls = await batchLines(svc, market);
      return ls.length === 2 && ls.every((l) => l.state === 'paid') ? ls : undefined;
    },
    { what: 'the recovered batch paid' },
  );
  expect(transfersOf(lines)).toHaveLength(2);
  await waitFor(
    () => events.ofType('settlement.batch-created').some((e) => e.data.batchId === batchIdOf(market, day)),
    { what: 'settlement.batch-created of the recovered batch' },
  );
});

test('two replicas: schedulers and admins racing on one day make one batch, and each line is paid once', async () => {
  const [b, c] = [running.at(-1)!, await start()];
  const today = businessDayOf(new Date());
  const market = uniqueName('cho_replicas');
  const amounts = [120_000, 80_000, 95_000];
  const stalls = await prepare(b, market, today, amounts);
  // The scheduler of either replica closes today on its own (the cut-off time has passed).
  const lines = await waitFor(
    async () => {
      const ls = await batchLines(c, market);
      return ls.length > 0 && ls.every((l) => l.state === 'paid') ? ls : undefined;
    },
    { what: 'the scheduled batch paid' },
  );
  const batches = await client(() => c.base)('GET', `/markets/${market}/settlement-batches`, { token: admin });
  expect(batches.body.items).toHaveLength(1);
  expect(batches.body.items[0]).toMatchObject({ businessDay: today, trigger: 'scheduler' });
  expect(transfersOf(lines)).toHaveLength(lines.length);
  // Payments the scheduler may have cut off before they arrived wait, unsettled, for the next day: nothing is lost.
  for (const [i, s] of stalls.entries()) {
    const sum = (await client(() => b.base)('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: admin })).body
      .summary;
    expect(sum.paidOut + sum.unsettled).toBe(amounts[i]);
  }

  // An admin on each replica cuts the same day off at the same instant: one batch.
  const market2 = uniqueName('cho_race');
  const day = '2025-04-03';
  await prepare(b, market2, day, [70_000, 30_000]);
  const answers = await Promise.all(
    [b, c].map((svc) =>
      client(() => svc.base)('POST', `/markets/${market2}/settlements/cutoff`, {
        body: { businessDay: day },
        token: admin,
      }),
    ),
  );
  expect(answers.map((a) => a.status).sort()).toEqual(expect.arrayContaining([201]));
  expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
  for (const a of answers) expect([200, 201, 409]).toContain(a.status);
  const raced = await waitFor(
    async () => {
      const ls = await batchLines(b, market2);
      return ls.length === 2 && ls.every((l) => l.state === 'paid') ? ls : undefined;
    },
    { what: 'the raced batch paid' },
  );
  expect(transfersOf(raced)).toHaveLength(2);
  // The event travels through the outbox relay and Kafka, so it may come after the lines are paid: wait for it, then
  // check it is the only one (a second batch would have raised a second).
  const created = () => events.ofType('settlement.batch-created').filter((e) => e.data.marketId === market2);
  await waitFor(() => created().length > 0, { what: 'settlement.batch-created for the raced day' });
  expect(created()).toHaveLength(1);
});
