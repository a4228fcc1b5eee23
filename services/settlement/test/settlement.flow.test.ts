/**
 * settlement as scripts of messages in and out, against the real broker, FerretDB/MongoDB and the bank simulator:
 * merchant and payment events go in, the day is cut off, payouts reach the bank, settlement events come out. Each
 * scenario has its own market and days, so they share one running service.
 */
import { startBankSimulator, type RunningBankSimulator } from '@marketqr/bank-simulator';
import mongoose from 'mongoose';
import { businessDayOf } from '../src/domain/business-day';
import {
  accountChanged,
  activated,
  adminToken,
  client,
  eventProducer,
  managerToken,
  payment,
  reallocation,
  reversal,
  settlementEnv,
  settlementEvents,
  stall,
  startSettlement,
  uniqueName,
  unmatched,
  vendorToken,
  waitFor,
  type Stall,
} from './support';

const prefix = `${uniqueName('stl')}.`;
const dbName = uniqueName('test_settlement');
let sim: RunningBankSimulator;
let svc: Awaited<ReturnType<typeof startSettlement>>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let events: Awaited<ReturnType<typeof settlementEvents>>;
const call = client(() => svc.base);
const admin = adminToken();

/** What the test put on each stall, independently of the service: for the conservation check at the end. */
const credited = new Map<string, number>();
const stalls: Stall[] = [];
const credit = (s: Stall, amount: number) => credited.set(s.merchantId, (credited.get(s.merchantId) ?? 0) + amount);

beforeAll(async () => {
  sim = await startBankSimulator({ seed: 'settlement-flow' });
  svc = await startSettlement(settlementEnv({ dbName, prefix, bankUrl: sim.url }));
  producer = await eventProducer(prefix);
  events = await settlementEvents(prefix);
});

afterAll(async () => {
  await events?.stop();
  await producer?.stop();
  await svc?.stop();
  await sim?.stop();
  const { mongoUrl } = (await import('@marketqr/test-harness')).testInfra();
  const conn = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  await conn.dropDatabase();
  await conn.close();
});

async function summary(s: Pick<Stall, 'merchantId'>) {
  const r = await call('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: admin });
  expect(r.status).toBe(200);
  return r.body.summary;
}

/** Activates the stalls and waits until settlement knows each one can be paid. */
async function open(...list: Stall[]) {
  stalls.push(...list);
  await producer.send(...list.map(activated));
  await waitFor(async () => (await Promise.all(list.map(summary))).every((s) => s.stall.known), {
    what: 'stalls known to settlement',
  });
}

/** Sends payment events and waits until the stalls' credits show them (the consumer has handled them). */
async function pay(...payments: ReturnType<typeof payment>[]) {
  const touched = new Set<Stall>();
  for (const p of payments) {
    const s = stalls.find((x) => x.merchantId === p.data.merchantId)!;
    credit(s, p.data.amount);
    touched.add(s);
  }
  await producer.send(...payments);
  await settled([...touched]);
}

/** Waits until these stalls' credits equal what the test sent. */
async function settled(list: Stall[]) {
  await waitFor(
    async () =>
      (await Promise.all(list.map(summary))).every((s, i) => s.credits === (credited.get(list[i]!.merchantId) ?? 0)),
    { what: 'payment events handled' },
  );
}

async function cutoff(marketId: string, businessDay: string) {
  const r = await call('POST', `/markets/${marketId}/settlements/cutoff`, { body: { businessDay }, token: admin });
  expect({ status: r.status, error: r.body.error }).toMatchObject({ status: 201 });
  return r.body.batch;
}

async function linesOf(s: Stall) {
  const r = await call('GET', `/stalls/${s.merchantId}/settlement-lines?pageSize=100`, { token: vendorToken(s) });
  expect(r.status).toBe(200);
  return r.body.items as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const lineOf = async (s: Stall, day: string) => (await linesOf(s)).find((l) => l.businessDay === day)!;

async function paidLine(s: Stall, day: string) {
  return waitFor(
    async () => {
      const l = await lineOf(s, day);
      return l?.state === 'paid' ? l : undefined;
    },
    { what: `line of ${s.stallCode} on ${day} paid` },
  );
}

const paidEvent = (lineId: string) =>
  waitFor(() => events.ofType('settlement.paid').find((e) => e.data.settlementLineId === lineId), {
    what: `settlement.paid for ${lineId}`,
  });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const payoutsFor = (line: Record<string, any>) =>
  sim.payouts().filter((p) => p.idempotencyKey.startsWith(line.payout.idempotencyKey.replace(/-e\d+$/, '-e')));

test('a normal day: payments for several stalls → cut-off → batch → each line paid exactly once', async () => {
  const market = uniqueName('cho_ben_thanh');
  const day = '2025-03-01';
  const [a, b, c] = [stall(market), stall(market), stall(market)];
  await open(a, b, c);
  await pay(
    payment(a, 100_000, day),
    payment(a, 250_000, day),
    payment(b, 75_000, day),
    payment(c, 1_000_000, day),
    payment(c, 20_000, day),
    payment(c, 5_000, day),
  );

  // Only an admin cuts a day off by hand.
  for (const t of [managerToken(market), vendorToken(a)]) {
    const r = await call('POST', `/markets/${market}/settlements/cutoff`, { body: { businessDay: day }, token: t });
    expect(r.status).toBe(403);
  }
  const batch = await cutoff(market, day);
  expect(batch).toMatchObject({
    businessDay: day,
    lineCount: 3,
    payableCount: 3,
    carriedCount: 0,
    totalNetAmount: 1_450_000,
  });
  const again = await call('POST', `/markets/${market}/settlements/cutoff`, {
    body: { businessDay: day },
    token: admin,
  });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ created: false, batch: { id: batch.id } });

  const lines = await Promise.all([a, b, c].map((s) => paidLine(s, day)));
  expect(lines.map((l) => [l.day.gross, l.day.count, l.feeAmount, l.netAmount])).toEqual([
    [350_000, 2, 0, 350_000],
    [75_000, 1, 0, 75_000],
    [1_025_000, 3, 0, 1_025_000],
  ]);
  for (const [i, s] of [a, b, c].entries()) {
    const e = await paidEvent(lines[i]!.id);
    expect(e).toMatchObject({
      aggregateId: s.merchantId,
      producer: 'settlement',
      data: {
        batchId: batch.id,
        merchantId: s.merchantId,
        marketId: market,
        businessDay: day,
        netAmount: lines[i]!.netAmount,
        grossAmount: lines[i]!.netAmount,
        feeAmount: 0,
        chargesAmount: 0,
        payoutAccount: s.payoutAccount,
        bankReference: expect.stringMatching(/^FT/),
      },
    });
    // The bank saw exactly one transfer per line, to the vendor's account, for the net amount.
    const transfers = payoutsFor(lines[i]!);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ amount: lines[i]!.netAmount, toAccount: s.payoutAccount.accountNumber });
  }
  const created = await waitFor(
    () => events.ofType('settlement.batch-created').find((e) => e.data.batchId === batch.id),
    { what: 'settlement.batch-created' },
  );
  expect(created).toMatchObject({ aggregateId: market, data: { lineCount: 3, totalNetAmount: 1_450_000 } });

  // Who sees what.
  expect((await call('GET', `/stalls/${b.merchantId}/settlement-lines`, { token: vendorToken(a) })).status).toBe(403);
  expect(
    (await call('GET', `/stalls/${a.merchantId}/settlement-lines`, { token: managerToken('other-market') })).status,
  ).toBe(403);
  expect((await call('GET', `/markets/${market}/settlement-batches`, { token: vendorToken(a) })).status).toBe(403);
  const batches = await call('GET', `/markets/${market}/settlement-batches`, { token: managerToken(market) });
  expect(batches.body.items).toEqual([expect.objectContaining({ id: batch.id, linesByState: { paid: 3 } })]);
  const detail = await call('GET', `/settlement-lines/${lines[2]!.id}`, { token: vendorToken(c) });
  expect(detail.body.line.contributions.map((x: { amount: number }) => x.amount).sort()).toEqual(
    [1_000_000, 20_000, 5_000].sort(),
  );
});

test('fees: a schedule per market with a minimum and a cap, rounded half up on the day’s total', async () => {
  const market = uniqueName('cho_fees');
  const day = '2025-03-02';
  const schedule = { rateBps: 150, minimumFee: 1_000, maximumFee: 20_000 };
  const denied = await call('PUT', `/markets/${market}/fee-schedule`, { body: schedule, token: managerToken(market) });
  expect(denied.status).toBe(403);
  const bad = await call('PUT', `/markets/${market}/fee-schedule`, {
    body: { rateBps: 150, minimumFee: 30_000, maximumFee: 20_000 },
    token: admin,
  });
  expect(bad.body.error.code).toBe('SETTLEMENT.INVALID_FEE_SCHEDULE');
  const set = await call('PUT', `/markets/${market}/fee-schedule`, { body: schedule, token: admin });
  expect(set.body.feeSchedule).toMatchObject({ ...schedule, version: 1 });

  const [small, big, odd] = [stall(market), stall(market), stall(market)];
  await open(small, big, odd);
  // 111 111 × 3 at 1.5 %: 1 666.665 each would round to 1 667 (5 001 in all); on the total it is 4 999.995 → 5 000.
  await pay(
    payment(small, 30_000, day),
    payment(small, 20_000, day),
    payment(big, 2_000_000, day),
    ...[1, 2, 3].map(() => payment(odd, 111_111, day)),
  );
  await cutoff(market, day);
  const got = await Promise.all([small, big, odd].map((s) => paidLine(s, day)));
  expect(got.map((l) => [l.day.gross, l.feeAmount, l.netAmount])).toEqual([
    [50_000, 1_000, 49_000],
    [2_000_000, 20_000, 1_980_000],
    [333_333, 5_000, 328_333],
  ]);
  const e = await paidEvent(got[1]!.id);
  expect(e.data).toMatchObject({ grossAmount: 2_000_000, feeAmount: 20_000, chargesAmount: 0, netAmount: 1_980_000 });
});

test('a market charge larger than the day’s takings is carried over: the payout is never negative', async () => {
  const market = uniqueName('cho_charges');
  const [d1, d2] = ['2025-03-03', '2025-03-04'];
  const [agreed, notAgreed] = [stall(market), stall(market)];
  await open(agreed, notAgreed);
  const plan = {
    items: [
      { code: 'stall_rent', label: 'Tiền thuê sạp', amount: 80_000 },
      { code: 'cleaning', label: 'Phí vệ sinh', amount: 20_000 },
    ],
  };
  for (const s of [agreed, notAgreed]) {
    expect((await call('PUT', `/stalls/${s.merchantId}/charges`, { body: plan, token: vendorToken(s) })).status).toBe(
      403,
    );
    const r = await call('PUT', `/stalls/${s.merchantId}/charges`, { body: plan, token: managerToken(market) });
    expect(r.body.charges).toMatchObject({ plan: { version: 1, totalPerDay: 100_000 }, netted: false });
  }
  // Consent is the vendor's own: not its manager's, not another vendor's.
  const agreement = { planVersion: 1, agreed: true };
  expect(
    (
      await call('PUT', `/stalls/${agreed.merchantId}/charges/agreement`, {
        body: agreement,
        token: managerToken(market),
      })
    ).status,
  ).toBe(403);
  expect(
    (
      await call('PUT', `/stalls/${agreed.merchantId}/charges/agreement`, {
        body: agreement,
        token: vendorToken(notAgreed),
      })
    ).status,
  ).toBe(403);
  const stale = await call('PUT', `/stalls/${agreed.merchantId}/charges/agreement`, {
    body: { planVersion: 9, agreed: true },
    token: vendorToken(agreed),
  });
  expect(stale.body.error.code).toBe('SETTLEMENT.PLAN_VERSION_MISMATCH');
  const ok = await call('PUT', `/stalls/${agreed.merchantId}/charges/agreement`, {
    body: agreement,
    token: vendorToken(agreed),
  });
  expect(ok.body.charges.netted).toBe(true);

  await pay(payment(agreed, 60_000, d1), payment(notAgreed, 60_000, d1));
  await cutoff(market, d1);
  const free = await paidLine(notAgreed, d1);
  expect(free).toMatchObject({ chargesAmount: 0, netAmount: 60_000 });
  const carried = await lineOf(agreed, d1);
  expect(carried).toMatchObject({
    state: 'carried',
    carryReason: 'not_positive',
    grossAmount: 60_000,
    chargesAmount: 100_000,
    netAmount: -40_000,
    payout: null,
  });
  expect(payoutsFor({ payout: { idempotencyKey: `stl-${carried.id}-e1` } })).toHaveLength(0);

  await pay(payment(agreed, 300_000, d2));
  await cutoff(market, d2);
  const next = await paidLine(agreed, d2);
  expect(next).toMatchObject({
    carriedIn: { gross: 60_000, charges: 100_000, lineIds: [carried.id] },
    netAmount: 160_000,
  });
  expect((await paidEvent(next.id)).data).toMatchObject({
    grossAmount: 360_000,
    feeAmount: 0,
    chargesAmount: 200_000,
    netAmount: 160_000,
  });
  expect(events.paidFor([carried.id])).toHaveLength(0);
  expect((await lineOf(agreed, d1)).rolledInto).toBe(next.id);
});

test('a reversal after payout is carried to the next payable line as a negative adjustment', async () => {
  const market = uniqueName('cho_reversal');
  const [d1, d2, d3] = ['2025-03-05', '2025-03-06', '2025-03-07'];
  const k = stall(market);
  await open(k);
  const sale = payment(k, 200_000, d1);
  await pay(sale);
  await cutoff(market, d1);
  expect((await paidLine(k, d1)).netAmount).toBe(200_000);

  // Booked on d1, which is already paid: the next line takes it. d2's takings do not cover it: carried again.
  const refund = reversal(sale, 150_000, d1);
  credit(k, -150_000);
  await producer.send(refund);
  await pay(payment(k, 100_000, d2));
  await cutoff(market, d2);
  const l2 = await lineOf(k, d2);
  expect(l2).toMatchObject({
    state: 'carried',
    day: { gross: 100_000, count: 1 },
    adjustments: { amount: -150_000, count: -1 },
    netAmount: -50_000,
  });

  // A reversal on a day not yet cut off simply lowers that day.
  const small = payment(k, 20_000, d3);
  await pay(payment(k, 80_000, d3), small);
  credit(k, -20_000);
  await producer.send(reversal(small, 20_000, d3));
  await settled([k]);
  await cutoff(market, d3);
  const l3 = await paidLine(k, d3);
  expect(l3).toMatchObject({ day: { gross: 80_000, count: 1 }, carriedIn: { gross: -50_000 }, netAmount: 30_000 });
  expect((await paidEvent(l3.id)).data).toMatchObject({ grossAmount: 30_000, netAmount: 30_000, feeAmount: 0 });
  const transfers = sim.payouts().filter((p) => p.toAccount === k.payoutAccount.accountNumber);
  expect(transfers.map((t) => t.amount)).toEqual([200_000, 30_000]);
});

test('late and reallocated payments land on the right day', async () => {
  const market = uniqueName('cho_late');
  const [d1, d2] = ['2025-03-08', '2025-03-09'];
  const [a, b] = [stall(market), stall(market)];
  await open(a, b);
  // Arrival order is not booking order: d2's payment comes first, d1's after it.
  const tomorrow = payment(a, 50_000, d2);
  const misdirected = payment(a, 30_000, d1);
  await pay(tomorrow, payment(a, 100_000, d1), misdirected, payment(b, 40_000, d1));
  // A manager moves the misdirected payment to b, and an unmatched one (held on the market) to b too.
  const held = unmatched(market, 25_000, d1);
  await producer.send(held);
  credit(a, -30_000);
  credit(b, 30_000 + 25_000);
  await producer.send(
    reallocation({ ...misdirected.data }, a, b, d1),
    reallocation({ ...held.data, marketId: market }, null, b, d1),
  );
  await settled([a, b]);
  await cutoff(market, d1);
  const [la, lb] = await Promise.all([paidLine(a, d1), paidLine(b, d1)]);
  expect(la).toMatchObject({ day: { gross: 100_000, count: 1 }, netAmount: 100_000 });
  expect(lb).toMatchObject({ day: { gross: 95_000, count: 3 }, netAmount: 95_000 });
  expect((await summary(a)).unsettled).toBe(50_000); // d2's payment waits for d2

  // A d1 payment that arrives after d1 was cut off is settled with the next line, as an adjustment from d1.
  await pay(payment(a, 10_000, d1));
  await cutoff(market, d2);
  const next = await paidLine(a, d2);
  expect(next).toMatchObject({
    day: { gross: 50_000, count: 1 },
    adjustments: { amount: 10_000, count: 1 },
    netAmount: 60_000,
  });
});

test('a payout the bank rejects needs attention; a manager re-issues it once the vendor fixed the account', async () => {
  const market = uniqueName('cho_reject');
  const day = '2025-03-10';
  const n = stall(market);
  sim.registerAccount({ bin: n.payoutAccount.bin, accountNumber: n.payoutAccount.accountNumber, status: 'closed' });
  await open(n);
  await pay(payment(n, 60_000, day));
  await cutoff(market, day);
  const stuck = await waitFor(
    async () => {
      const l = await lineOf(n, day);
      return l?.state === 'needs_attention' ? l : undefined;
    },
    { what: 'line needs attention' },
  );
  expect(stuck.payout.lastError).toMatchObject({ code: 'BANK.REJECTED', reasonCode: 'account_closed' });
  const failed = await waitFor(
    () => events.ofType('settlement.failed').find((e) => e.data.settlementLineId === stuck.id),
    { what: 'settlement.failed' },
  );
  expect(failed.data).toMatchObject({
    reasonCode: 'account_closed',
    retryable: false,
    nextAttemptAt: null,
    needsAttention: true,
  });
  const attention = await call('GET', `/markets/${market}/settlement-lines?state=needs_attention`, {
    token: managerToken(market),
  });
  expect(attention.body.items.map((l: { id: string }) => l.id)).toEqual([stuck.id]);

  expect((await call('POST', `/settlement-lines/${stuck.id}/retry`, { token: vendorToken(n) })).status).toBe(403);
  const fixed: Stall = {
    ...n,
    payoutAccount: { bin: '970436', accountNumber: '0011004455667', holderName: 'NGUYEN THI HOA' },
  };
  await producer.send(accountChanged(fixed));
  await waitFor(async () => (await summary(n)).stall.payoutAccount.accountNumber === '0011004455667', {
    what: 'the new payout account known to settlement',
  });
  const reissued = await call('POST', `/settlement-lines/${stuck.id}/retry`, { token: managerToken(market) });
  expect(reissued.status).toBe(202);
  expect(reissued.body).toMatchObject({ outcome: 'reissued', line: { state: 'pending', payout: { epoch: 2 } } });
  const paid = await paidLine(n, day);
  expect(paid.payout).toMatchObject({ epoch: 2, idempotencyKey: `stl-${stuck.id}-e2` });
  const transfers = sim.payouts().filter((p) => p.idempotencyKey.startsWith(`stl-${stuck.id}-`));
  expect(transfers).toEqual([
    expect.objectContaining({ idempotencyKey: `stl-${stuck.id}-e2`, toAccount: '0011004455667', amount: 60_000 }),
  ]);
  expect((await paidEvent(stuck.id)).data.payoutAccount.accountNumber).toBe('0011004455667');
  const done = await call('POST', `/settlement-lines/${stuck.id}/retry`, { token: managerToken(market) });
  expect(done.body.error.code).toBe('SETTLEMENT.LINE_NOT_RETRYABLE');
});

test('the market’s collection account comes with merchant events; an admin’s setting wins over it', async () => {
  const market = uniqueName('cho_learn');
  const get = async () =>
    (await call('GET', `/markets/${market}/collection-account`, { token: managerToken(market) })).body;
  expect(await get()).toEqual({ marketId: market, collectionAccount: null });
  await open(stall(market, { collectionAccount: { bin: '970418', accountNumber: '2150005555' } }));
  await waitFor(async () => (await get()).collectionAccount === '2150005555', {
    what: 'the collection account learned from merchant.activated',
  });
  await call('PUT', `/markets/${market}/collection-account`, { body: { accountNumber: '2150006666' }, token: admin });
  // A later merchant event naming the old account does not undo the admin's choice.
  await open(stall(market, { collectionAccount: { bin: '970418', accountNumber: '2150005555' } }));
  expect((await get()).collectionAccount).toBe('2150006666');
});

test('reconciliation of a day: matched, missing on our side, missing at the bank, amount differs (JSON and CSV)', async () => {
  const market = uniqueName('cho_recon');
  const today = businessDayOf(new Date());
  const collection = '2150001234';
  expect(
    (
      await call('PUT', `/markets/${market}/collection-account`, {
        body: { accountNumber: collection },
        token: managerToken(market),
      })
    ).status,
  ).toBe(403);
  await call('PUT', `/markets/${market}/collection-account`, { body: { accountNumber: collection }, token: admin });
  const [q1, q2] = [stall(market), stall(market)];
  await open(q1, q2);

  const t1 = sim.receiveTransfer({ toAccount: collection, amount: 120_000 });
  const t2 = sim.receiveTransfer({ toAccount: collection, amount: 80_000 });
  const unseen = sim.receiveTransfer({ toAccount: collection, amount: 45_000 });
  await pay(
    payment(q1, 120_000, today, { bankTransactionId: t1.transactionId, paidAt: t1.bookedAt }),
    payment(q2, 85_000, today, { bankTransactionId: t2.transactionId, paidAt: t2.bookedAt }),
    payment(q1, 60_000, today, { bankTransactionId: 'FT-NOT-AT-BANK-1' }),
  );
  await cutoff(market, today);
  const [l1, l2] = await Promise.all([paidLine(q1, today), paidLine(q2, today)]);
  // Someone else paid out of the collection account.
  const foreign = await fetch(`${sim.url}/v1/payouts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'manual-transfer-1' },
    body: JSON.stringify({
      toBin: '970422',
      toAccount: '0987654321',
      amount: 7_000,
      description: 'manual',
      sourceAccount: collection,
    }),
  });
  expect(foreign.status).toBe(201);

  const vendorTry = await call('GET', `/markets/${market}/reconciliation?day=${today}`, { token: vendorToken(q1) });
  expect(vendorTry.status).toBe(403);
  const r = await call('GET', `/markets/${market}/reconciliation?day=${today}`, { token: managerToken(market) });
  expect(r.status).toBe(200);
  const report = r.body.reconciliation;
  const row = (kind: string, category: string) =>
    report.items.filter((i: { kind: string; category: string }) => i.kind === kind && i.category === category);
  expect(row('credit', 'matched')).toEqual([
    expect.objectContaining({ bankTransactionId: t1.transactionId, ourAmount: 120_000 }),
  ]);
  expect(row('credit', 'amount_differs')).toEqual([
    expect.objectContaining({ bankTransactionId: t2.transactionId, ourAmount: 85_000, bankAmount: 80_000 }),
  ]);
  expect(row('credit', 'missing_ours')).toEqual([
    expect.objectContaining({ bankTransactionId: unseen.transactionId, bankAmount: 45_000 }),
  ]);
  expect(row('credit', 'missing_at_bank')).toEqual([
    expect.objectContaining({ bankTransactionId: 'FT-NOT-AT-BANK-1' }),
  ]);
  expect(
    row('payout', 'matched')
      .map((i: { settlementLineId: string }) => i.settlementLineId)
      .sort(),
  ).toEqual([l1.id, l2.id].sort());
  expect(row('payout', 'missing_ours')).toEqual([expect.objectContaining({ bankAmount: 7_000, account: collection })]);
  expect(report.summary).toMatchObject({ matched: 3, missing_ours: 2, missing_at_bank: 1, amount_differs: 1 });

  // Who and when, for a person: the stall and its vendor, and the bank's booking time.
  expect(row('credit', 'amount_differs')[0]).toMatchObject({
    stallCode: q2.stallCode,
    vendorName: 'Nguyễn Thị Hoa',
    at: t2.bookedAt,
  });

  // The CSV for Excel: a BOM, Vietnamese headers and words, local time, the vendor's name; `lang=en` for the keys.
  const vnTime = (iso: string) =>
    new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
  const ways: { path: string; headers: Record<string, string> }[] = [
    { path: `?day=${today}&format=csv`, headers: {} },
    { path: `?day=${today}`, headers: { accept: 'text/csv' } },
  ];
  for (const how of ways) {
    const res = await fetch(`${svc.base}/markets/${market}/reconciliation${how.path}`, {
      headers: { authorization: `Bearer ${admin}`, ...how.headers },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(rows[0]).toBe(
      'Kết quả đối soát,Loại giao dịch,Thời điểm,Sạp,Tiểu thương,Số tiền theo hệ thống (đồng),' +
        'Số tiền theo ngân hàng (đồng),Mã giao dịch ngân hàng,Mã lệnh chi,Tài khoản,Mã sạp (hệ thống),Mã thanh toán,' +
        'Mã dòng quyết toán,Nội dung chuyển khoản',
    );
    expect(rows).toHaveLength(1 + report.items.length);
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Lệch số tiền,Tiền vào,${vnTime(t2.bookedAt)},${q2.stallCode},Nguyễn Thị Hoa,85000,80000,${t2.transactionId},`,
        ),
      ),
    );
    expect(rows).toContainEqual(
      expect.stringMatching(/^"Ngân hàng có, hệ thống không có",Chi trả,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,,,,7000,/),
    );
  }
  const english = await call('GET', `/markets/${market}/reconciliation?day=${today}&format=csv&lang=en`, {
    token: admin,
  });
  const [header, ...lines] = english.text.trim().split('\r\n');
  expect(header).toBe(
    'category,kind,at,stallCode,vendorName,ourAmount,bankAmount,bankTransactionId,payoutId,account,merchantId,' +
      'paymentId,settlementLineId,description',
  );
  expect(lines.some((line) => line.startsWith(`Amount differs,Credit,${vnTime(t2.bookedAt)},`))).toBe(true);
  expect(
    (await call('GET', `/markets/${market}/reconciliation?day=${today}&format=csv&lang=fr`, { token: admin })).body
      .error.code,
  ).toBe('SETTLEMENT.INVALID_LANG');
  expect((await call('GET', `/markets/${market}/reconciliation?day=yesterday`, { token: admin })).body.error.code).toBe(
    'SETTLEMENT.INVALID_DAY',
  );
});

test('a stall settlement never saw: 404 for an admin, not zeros; a manager gets the same 403 as for another market', async () => {
  for (const path of ['settlement-summary', 'settlement-lines']) {
    const unknown = await call('GET', `/stalls/stall-nobody-knows/${path}`, { token: admin });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'SETTLEMENT.STALL_NOT_FOUND']);
    const asManager = await call('GET', `/stalls/stall-nobody-knows/${path}`, { token: managerToken('cho-x') });
    expect(asManager.status).toBe(403);
  }
});

test('conservation: for every stall, credits = paid out + pending + fees + charges, to the đồng', async () => {
  expect(stalls.length).toBeGreaterThan(10);
  const seen = await Promise.all(stalls.map(async (s) => ({ s, sum: await summary(s), lines: await linesOf(s) })));
  for (const { s, sum, lines } of seen) {
    const keys = new Set(lines.filter((l) => l.payout).map((l) => l.payout.idempotencyKey as string));
    // Paid out according to the bank, not to us.
    const atBank = sim
      .payouts()
      .filter((p) => keys.has(p.idempotencyKey))
      .reduce((t, p) => t + p.amount, 0);
    const pending = sum.inPayment + sum.carried + sum.unsettled;
    expect({ stall: s.stallCode, credits: credited.get(s.merchantId) ?? 0 }).toEqual({
      stall: s.stallCode,
      credits: atBank + pending + sum.fees + sum.charges,
    });
    expect(sum.paidOut).toBe(atBank);
    expect(sum.balanced).toBe(true);
  }
  const metrics = await (await fetch(`${svc.base}/metrics`)).text();
  expect(metrics).toMatch(/settlement_payouts_total\{result="paid"[^}]*\} \d+/);
  expect(metrics).toMatch(/settlement_lines\{state="paid"[^}]*\} \d+/);
  expect(metrics).toMatch(/bank_gateway_breaker_state\{operation="payout"[^}]*\} 0/);
});
