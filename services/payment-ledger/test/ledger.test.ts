/**
 * The ledger after posting: corrections (reallocation, reversal) with their events and who may make them; payouts
 * from settlement.paid delivered twice; the live stream (delivery, resume without loss or repeats, a reset for a
 * token past the end, no reads while idle, served by a second replica); two replicas posting at once; and the check and verify commands, including an entry edited
 * directly in the database.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { runService } from '@marketqr/service-runtime';
import type { RunningService } from '@marketqr/service-kit';
import { openEventStream, testInfra, waitFor, serviceTestEnv } from '@marketqr/test-harness';
import { entryHash } from '../src/ledger/chain';
import { definition } from '../src/service';
import { paymentIdFor } from '../src/webhooks/webhook.service';
import {
  activated,
  balanceOf,
  bankSimBody,
  call,
  eventsOf,
  MARKETS,
  paymentEntry,
  postBankSim,
  SECRETS,
  settled,
  settlementFailed,
  settlementPaid,
  stall,
  startLedger,
  waitForProjections,
  type Harness,
  type Json,
} from './support';

const run = promisify(execFile);
let h: Harness;
let replicaB: RunningService;
let baseB: string;

const s1 = stall(1);
const s2 = stall(2);
const s3 = stall(3);
const s6 = stall(6);
const far = stall(5, MARKETS.benThanh);
const payable = (s: { merchantId: string }) => `stall:${s.merchantId}:payable`;

let admin: string;
let manager: string;
let otherManager: string;
let vendor1: string;
let vendor6: string;

beforeAll(async () => {
  h = await startLedger('ledger');
  await h.publish([activated(s1), activated(s2), activated(s3), activated(s6), activated(far)]);
  await waitForProjections(h, 5);
  admin = h.token({ role: 'admin', sub: 'usr-admin' });
  manager = h.token({ role: 'market_manager', sub: 'usr-bql-nenh', marketId: MARKETS.nenh.marketId });
  otherManager = h.token({ role: 'market_manager', sub: 'usr-bql-bt', marketId: MARKETS.benThanh.marketId });
  vendor1 = h.token({ role: 'vendor', sub: 'usr-v1', merchantId: s1.merchantId, marketId: s1.marketId });
  vendor6 = h.token({ role: 'vendor', sub: 'usr-v6', merchantId: s6.merchantId, marketId: s6.marketId });
});

afterAll(async () => {
  await replicaB?.stop();
  await h?.stop();
});

async function pay(body: Parameters<typeof bankSimBody>[0], base = h.base): Promise<string> {
  const b = bankSimBody(body);
  const r = await postBankSim(base, b);
  expect(r.status).toBe(200);
  return paymentIdFor('bank-sim', b.transactionId);
}

describe('corrections', () => {
  test('an unmatched payment reallocated by the market’s manager, then moved again, then reversed', async () => {
    const id = await pay({ amount: 150_000, virtualAccount: null, description: 'chuyen khoan' });
    await paymentEntry(h, id);
    await settled(h);
    const suspense = `market:${MARKETS.nenh.marketId}:suspense`;
    const before = {
      suspense: await balanceOf(h, suspense),
      bank: await balanceOf(h, `market:${MARKETS.nenh.marketId}:bank`),
    };

    const byVendor = await call(h, 'POST', `/payments/${id}/reallocate`, vendor1, {
      toMerchantId: s1.merchantId,
      reason: 'mine',
    });
    expect([byVendor.status, byVendor.body.error?.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    const byOther = await call(h, 'POST', `/payments/${id}/reallocate`, otherManager, {
      toMerchantId: s1.merchantId,
      reason: 'x x x',
    });
    expect(byOther.status).toBe(403);
    // Who asks is decided before the body is read: no schema details for those who may not, and no telling an
    // unknown payment from another market's.
    for (const [token, pid] of [
      [vendor1, id],
      [otherManager, id],
      [otherManager, 'pay_does_not_exist'],
    ] as const) {
      for (const action of ['reallocate', 'reverse']) {
        const r = await call(h, 'POST', `/payments/${pid}/${action}`, token, { garbage: true });
        expect([r.status, r.body.error?.code, r.body.error?.details]).toEqual([403, 'AUTH.FORBIDDEN', undefined]);
      }
    }
    const noReason = await call(h, 'POST', `/payments/${id}/reallocate`, manager, { toMerchantId: s1.merchantId });
    expect([noReason.status, noReason.body.error?.code]).toEqual([400, 'LEDGER.INVALID_REQUEST']);

    // Two managers' clicks at once: one moves it, the other finds it already there.
    const both = await Promise.all(
      [1, 2].map(() =>
        call(h, 'POST', `/payments/${id}/reallocate`, manager, {
          toMerchantId: s1.merchantId,
          reason: 'khách xác nhận',
        }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await balanceOf(h, suspense)).toBe(before.suspense + 150_000);
    expect(await balanceOf(h, payable(s1))).toBe(-150_000);

    const moved = await call(h, 'POST', `/payments/${id}/reallocate`, manager, {
      toMerchantId: s2.merchantId,
      reason: 'nhầm sạp',
    });
    expect(moved.status).toBe(201);
    expect(moved.body.entry.postings).toEqual([
      { account: payable(s1), amount: 150_000 },
      { account: payable(s2), amount: -150_000 },
    ]);
    const cross = await call(h, 'POST', `/payments/${id}/reallocate`, admin, {
      toMerchantId: far.merchantId,
      reason: 'khác chợ',
    });
    expect([cross.status, cross.body.error?.code]).toEqual([400, 'LEDGER.CROSS_MARKET']);

    const reversed = await call(h, 'POST', `/payments/${id}/reverse`, manager, {
      reasonCode: 'refund_to_payer',
      reason: 'hoàn tiền',
    });
    expect(reversed.status).toBe(201);
    expect(await balanceOf(h, payable(s2))).toBe(0);
    expect(await balanceOf(h, `market:${MARKETS.nenh.marketId}:bank`)).toBe(before.bank - 150_000);
    const again = await call(h, 'POST', `/payments/${id}/reverse`, manager, {
      reasonCode: 'refund_to_payer',
      reason: 'again',
    });
    expect([again.status, again.body.error?.code]).toEqual([409, 'LEDGER.PAYMENT_REVERSED']);

    const trail = await call(h, 'GET', `/payments/${id}`, manager);
    expect(trail.status).toBe(200);
    expect(trail.body).toMatchObject({ status: 'posted', reversed: true, holderAccount: null });
    expect(trail.body.entries.map((e: Json) => [e.kind, e.meta.by ?? null, e.meta.reason ?? null])).toEqual([
      ['payment', null, null],
      ['reallocation', 'usr-bql-nenh', 'khách xác nhận'],
      ['reallocation', 'usr-bql-nenh', 'nhầm sạp'],
      ['reversal', 'usr-bql-nenh', 'hoàn tiền'],
    ]);

    const mine = (m: { value: unknown }) => (m.value as Json).data?.paymentId === id;
    await waitFor(() => h.paymentEvents.messages.filter(mine).length >= 4, { what: 'correction events' });
    const evs = h.paymentEvents.messages.filter(mine).map((m) => m.value as Json);
    expect(evs.map((e) => e.type)).toEqual([
      'payment.flagged',
      'payment.reallocated',
      'payment.reallocated',
      'payment.reversed',
    ]);
    expect(evs[1]).toMatchObject({
      aggregateId: s1.merchantId,
      data: { fromMerchantId: null, toMerchantId: s1.merchantId, reallocatedBy: 'usr-bql-nenh', amount: 150_000 },
    });
    expect(evs[2]!.data).toMatchObject({ fromMerchantId: s1.merchantId, toMerchantId: s2.merchantId });
    expect(evs[3]).toMatchObject({
      aggregateId: s2.merchantId,
      data: { merchantId: s2.merchantId, reasonCode: 'refund_to_payer', amount: 150_000 },
    });
  });

  test('a payment to an unknown account is reallocated by an admin into a market: its bank leg moves too', async () => {
    const id = await pay({ accountNumber: '5555444433', virtualAccount: null, amount: 40_000 });
    await paymentEntry(h, id);
    const r = await call(h, 'POST', `/payments/${id}/reallocate`, manager, {
      toMerchantId: s3.merchantId,
      reason: 'identified',
    });
    expect(r.status).toBe(403);
    const ok = await call(h, 'POST', `/payments/${id}/reallocate`, admin, {
      toMerchantId: far.merchantId,
      reason: 'đã xác định',
    });
    expect(ok.status).toBe(201);
    expect(await balanceOf(h, 'unidentified:suspense')).toBe(0);
    expect(await balanceOf(h, 'unidentified:bank')).toBe(0);
    expect(await balanceOf(h, payable(far))).toBe(-40_000);
    expect(await balanceOf(h, `market:${MARKETS.benThanh.marketId}:bank`)).toBe(40_000);
  });
});

describe('payouts', () => {
  test('settlement.paid is posted once, leg by leg, even when delivered twice', async () => {
    for (const amount of [60_000, 40_000]) await pay({ amount, virtualAccount: s3.va, description: s3.stallCode });
    await waitFor(async () => (await balanceOf(h, payable(s3))) === -100_000, { what: 's3 credited' });
    const paid = settlementPaid(s3, 'line-s3-1', { net: 97_000, fee: 2_000, charges: 1_000 });
    const redelivered = { ...paid, eventId: '7a1d2c3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' };
    // A failed attempt first (nothing to post), then the payout, delivered three times.
    await h.publish([settlementFailed(s3, 'line-s3-1', 97_000), paid, paid, redelivered]);
    await waitFor(async () => (await h.models.entries.countDocuments({ 'reference.id': 'line-s3-1' })) === 4, {
      what: 'four payout legs',
    });
    await settled(h);
    expect(await h.models.entries.countDocuments({ 'reference.id': 'line-s3-1' })).toBe(4);
    expect(await balanceOf(h, payable(s3))).toBe(0);
    expect(await balanceOf(h, `market:${MARKETS.nenh.marketId}:in_transit`)).toBe(0);
    expect(await balanceOf(h, `market:${MARKETS.nenh.marketId}:fees`)).toBe(-2_000);
    expect(await balanceOf(h, `market:${MARKETS.nenh.marketId}:charges_receivable`)).toBe(-1_000);
    const legs = await waitFor(() => {
      const evs = eventsOf(h.ledgerEvents, 'ledger.entry-posted').filter((e) => e.data.reference.id === 'line-s3-1');
      return evs.length >= 4 && evs;
    });
    expect(legs.map((e) => e.data.kind).sort()).toEqual(['adjustment', 'fee', 'payout', 'payout']);
    expect(new Set(legs.map((e) => e.data.entryId)).size).toBe(4);
  });
});

describe('statement and today', () => {
  test('a vendor reads its own statement and today’s total; not another stall’s', async () => {
    await pay({ amount: 25_000, virtualAccount: s1.va, description: s1.stallCode });
    await settled(h);
    const st = await call(h, 'GET', `/stalls/${s1.merchantId}/statement?pageSize=2`, vendor1);
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ page: 1, pageSize: 2, balance: -(await balanceOf(h, payable(s1))) });
    expect(st.body.items[0]).toMatchObject({ kind: 'payment', amount: 25_000, payment: { amount: 25_000 } });
    // The vendor sees who paid, not the payer's whole account number; a manager handling a refund does.
    const paidId = st.body.items[0].payment.paymentId;
    const asVendor = await call(h, 'GET', `/payments/${paidId}`, vendor1);
    expect(asVendor.body.notification.notification.counterparty).toEqual({
      bin: '970436',
      accountNumber: '******6789',
      name: 'TRAN VAN BINH',
    });
    expect(JSON.stringify(asVendor.body)).not.toContain('0123456789');
    const asManager = await call(h, 'GET', `/payments/${paidId}`, manager);
    expect(asManager.body.notification.notification.counterparty.accountNumber).toBe('0123456789');
    const today = await call(h, 'GET', `/stalls/${s1.merchantId}/payments/today`, vendor1);
    expect(today.body).toMatchObject({ count: 1, total: 25_000, currency: 'VND' });
    const list = await call(h, 'GET', `/stalls/${s1.merchantId}/payments?since=0`, manager);
    expect(list.body.items.map((i: Json) => i.amount)).toEqual([25_000]);
    expect((await call(h, 'GET', `/stalls/${s6.merchantId}/statement`, vendor1)).status).toBe(403);
    expect((await call(h, 'GET', `/stalls/${s1.merchantId}/statement`, otherManager)).status).toBe(403);
    expect((await call(h, 'GET', `/stalls/${s1.merchantId}/statement`)).status).toBe(401);
  });

  test('a stall the ledger never heard of: 404 for an admin (not zeros); a manager cannot tell it from another market’s', async () => {
    for (const path of ['statement', 'payments/today', 'payments']) {
      const unknown = await call(h, 'GET', `/stalls/stall-nobody-knows/${path}`, admin);
      expect([path, unknown.status, unknown.body.error?.code]).toEqual([path, 404, 'LEDGER.STALL_NOT_FOUND']);
      const asManager = await call(h, 'GET', `/stalls/stall-nobody-knows/${path}`, manager);
      const otherMarket = await call(h, 'GET', `/stalls/${far.merchantId}/${path}`, manager);
      expect([asManager.status, asManager.body.error?.code]).toEqual([
        otherMarket.status,
        otherMarket.body.error?.code,
      ]);
      expect(asManager.status).toBe(403);
    }
  });
});

describe('today after corrections', () => {
  test('a payment reversed today leaves today’s total and count; one moved here from suspense joins them', async () => {
    const today = async () => (await call(h, 'GET', `/stalls/${s3.merchantId}/payments/today`, manager)).body;
    const before = await today();
    const balanceBefore = await balanceOf(h, payable(s3));
    const id = await pay({ amount: 40_000, virtualAccount: s3.va, description: s3.stallCode });
    await paymentEntry(h, id);
    await settled(h);
    expect(await today()).toMatchObject({ total: before.total + 40_000, count: before.count + 1 });
    const reversed = await call(h, 'POST', `/payments/${id}/reverse`, manager, {
      reasonCode: 'refund_to_payer',
      reason: 'khách trả nhầm',
    });
    expect(reversed.status).toBe(201);
    // The balance, settlement and insights see the reversal; so does the vendor's figure for today.
    expect(await today()).toMatchObject({ total: before.total, count: before.count });
    expect(await balanceOf(h, payable(s3))).toBe(balanceBefore);

    const stray = await pay({ amount: 15_000, virtualAccount: null, description: 'chuyen khoan' });
    await paymentEntry(h, stray);
    await settled(h);
    const moved = await call(h, 'POST', `/payments/${stray}/reallocate`, manager, {
      toMerchantId: s3.merchantId,
      reason: 'khách xác nhận',
    });
    expect(moved.status).toBe(201);
    expect(await today()).toMatchObject({ total: before.total + 15_000, count: before.count + 1 });
  });
});

/** The stall's live payment stream (test-harness' SSE client), with its payment events picked out. */
async function openStream(
  base: string,
  merchantId: string,
  token: string,
  resume: { lastEventId?: string; since?: string } = {},
) {
  const qs = resume.since !== undefined ? `?since=${resume.since}` : '';
  const s = await openEventStream(`${base}/stalls/${merchantId}/payments/stream${qs}`, {
    authorization: `Bearer ${token}`,
    ...(resume.lastEventId !== undefined ? { 'last-event-id': resume.lastEventId } : {}),
  });
  return { ...s, payments: () => s.events.filter((e) => e.event === 'payment') };
}

describe('live payment stream (SSE)', () => {
  // How fast the stream is (ack → SSE) is measured by `pnpm bench`, not asserted here: a test must not depend on speed.
  test('a payment reaches the open stream; after a disconnect, Last-Event-ID (or ?since=) resumes with exactly what was missed', async () => {
    expect((await openStream(h.base, s6.merchantId, vendor1)).status).toBe(403);
    const live = await openStream(h.base, s6.merchantId, vendor6);
    expect(live.status).toBe(200);
    await waitFor(() => live.events.find((e) => e.event === 'ready'));

    const first = await pay({ amount: 11_000, virtualAccount: s6.va, description: s6.stallCode });
    const got = await waitFor(() => live.payments()[0], { intervalMs: 10 });
    expect(got.data).toMatchObject({ amount: 11_000, payment: { paymentId: first, outcome: 'paid' } });
    live.close();

    const missed = [12_000, 13_000, 14_000];
    for (const amount of missed) await pay({ amount, virtualAccount: s6.va, description: s6.stallCode });
    await settled(h);

    const resumed = await openStream(h.base, s6.merchantId, vendor6, { lastEventId: got.id! });
    await waitFor(() => resumed.payments().length >= 3, { what: 'missed payments' });
    await pay({ amount: 15_000, virtualAccount: s6.va, description: s6.stallCode });
    await waitFor(() => resumed.payments().length >= 4, { what: 'live payment after resume' });
    const seen = resumed.payments();
    expect(seen.map((e) => e.data.amount)).toEqual([...missed, 15_000]);
    const ids = seen.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBeGreaterThan(Number(got.id));
    resumed.close();

    const bySince = await openStream(h.base, s6.merchantId, manager, { since: got.id! });
    await waitFor(() => bySince.payments().length >= 4);
    expect(bySince.payments().map((e) => e.data.amount)).toEqual([...missed, 15_000]);
    bySince.close();
    const bad = await openStream(h.base, s6.merchantId, vendor6, { lastEventId: 'abc' });
    expect(bad.status).toBe(400);
  });

  test('open streams cost nothing while idle: no read of their own, and no poll while no other replica writes', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${h.base}/metrics`)).text();
      const value = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1];
      if (value === undefined) throw new Error(`no ${name} in /metrics`);
      return Number(value);
    };
    const streams = await Promise.all(Array.from({ length: 30 }, () => openStream(h.base, s6.merchantId, vendor6)));
    await waitFor(() => streams.every((st) => st.events.some((e) => e.event === 'ready')), { what: 'all ready' });
    const reads = await metric('payment_ledger_live_stream_reads_total');
    const polls = await metric('payment_ledger_live_stream_polls_total');
    const ticks = await metric('payment_ledger_live_stream_ticks_total');
    // Thirty rounds of the poller (about six seconds at SSE_POLL_MS 200): long enough for any periodic per-stream read
    // to show. This process is the only ledger writing, so none of those rounds queried the postings.
    await waitFor(async () => (await metric('payment_ledger_live_stream_ticks_total')) >= ticks + 30, {
      what: 'thirty rounds of the poller with 30 streams open',
    });
    expect(await metric('payment_ledger_live_stream_reads_total')).toBe(reads);
    expect(await metric('payment_ledger_live_stream_polls_total')).toBe(polls);
    // A payment this process posts reaches every open stream, still without a read per stream.
    await pay({ amount: 18_000, virtualAccount: s6.va, description: s6.stallCode });
    await waitFor(() => streams.every((st) => st.payments().some((e) => e.data.amount === 18_000)), {
      what: 'the payment on all 30 streams',
    });
    expect(await metric('payment_ledger_live_stream_reads_total')).toBe(reads);
    streams.forEach((st) => st.close());
  });

  test('a resume token past the last seq resets the stream to now (and says so) instead of muting it', async () => {
    const ahead = await openStream(h.base, s6.merchantId, vendor6, { lastEventId: '999999999' });
    expect(ahead.status).toBe(200);
    const reset = await waitFor(() => ahead.events.find((e) => e.event === 'reset'));
    const head = Number(reset.id);
    expect(reset.data).toMatchObject({ reason: 'resume_token_ahead', requested: 999_999_999, head });
    expect(head).toBeLessThan(999_999_999);
    await waitFor(() => ahead.events.find((e) => e.event === 'ready' && Number(e.id) === head));
    await pay({ amount: 17_000, virtualAccount: s6.va, description: s6.stallCode });
    const next = await waitFor(() => ahead.payments()[0], { what: 'a new payment on the reset stream' });
    expect(next.data.amount).toBe(17_000);
    expect(Number(next.id)).toBe(head + 1);
    ahead.close();
  });

  test('a second replica: a stream on one sees payments posted by the other', async () => {
    replicaB = await runService(definition, {
      env: {
        ...serviceTestEnv({ dbName: h.dbName, topicPrefix: h.prefix }),
        JWT_SECRET: 'a-test-secret-that-is-at-least-32-characters-long',
        WEBHOOK_SECRET_BANKSIM: SECRETS.bankSim,
        COLLECTION_ACCOUNTS: `${MARKETS.nenh.collection}=${MARKETS.nenh.marketId}`,
        SSE_POLL_MS: '200',
        INBOX_POLL_MS: '200',
      },
    });
    await replicaB.ready;
    baseB = `http://127.0.0.1:${replicaB.port}`;
    const onB = await openStream(baseB, s6.merchantId, vendor6);
    await waitFor(() => onB.events.find((e) => e.event === 'ready'));
    await pay({ amount: 16_000, virtualAccount: s6.va, description: s6.stallCode }, h.base);
    const got = await waitFor(() => onB.payments()[0], { intervalMs: 10 });
    expect(got.data.amount).toBe(16_000);
    onB.close();
  });

  test('two replicas posting at once: every notification posted once, every chain intact', async () => {
    const bodies = Array.from({ length: 30 }, (_, i) =>
      bankSimBody({ amount: 1_000 + i, virtualAccount: (i % 2 ? s1 : s2).va, description: 'song song' }),
    );
    // Every notification delivered to both replicas at the same moment.
    const replies = await Promise.all(bodies.flatMap((b) => [postBankSim(h.base, b), postBankSim(baseB, b)]));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies.filter((r) => r.body.duplicate === false)).toHaveLength(30);
    await settled(h);
    for (const b of bodies) {
      expect(await h.models.entries.countDocuments({ paymentId: paymentIdFor('bank-sim', b.transactionId) })).toBe(1);
    }
  });
});

describe('check and verify commands', () => {
  const cli = (command: string) =>
    run(process.execPath, ['-r', resolve(__dirname, 'register-ts.js'), resolve(__dirname, '../src/cli.ts'), command], {
      env: { ...process.env, MONGO_URL: testInfra().mongoUrl, MONGO_DB: h.dbName },
      timeout: 180_000,
    }).then(
      (r) => ({ code: 0, report: JSON.parse(r.stdout) as Json }),
      (e: { code: number; stdout: string }) => ({ code: e.code, report: JSON.parse(e.stdout || '{}') as Json }),
    );

  test('clean ledger: check and verify pass', async () => {
    await settled(h);
    const check = await cli('check');
    expect(check.report.problems).toEqual([]);
    expect(check).toMatchObject({ code: 0, report: { ok: true } });
    const verify = await cli('verify');
    expect(verify.report.problems).toEqual([]);
    expect(verify).toMatchObject({ code: 0, report: { ok: true } });
    expect(verify.report.entries).toBeGreaterThan(40);
  });

  test('an entry edited directly in the database is caught', async () => {
    const victim = await h.models.entries.findOne({ kind: 'payment', merchantId: s1.merchantId });
    expect(victim).toBeTruthy();
    // A "small correction" made behind the ledger's back: more money to the stall, the entry's own hash untouched.
    await h.models.entries.updateOne(
      { _id: victim!._id },
      { $set: { postings: victim!.postings.map((p) => ({ ...p, amount: p.amount * 2 })) } },
    );
    const verify = await cli('verify');
    expect(verify.code).toBe(1);
    expect(verify.report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'entry_modified', entryId: victim!._id }),
        expect.objectContaining({ kind: 'posting_hash_mismatch', entryId: victim!._id }),
      ]),
    );
    const check = await cli('check');
    expect(check.code).toBe(1);
    expect(check.report.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'posting_amount_differs', entryId: victim!._id })]),
    );

    // A careful forger also rewrites the entry's own hash: its postings' chain hashes still give it away.
    const edited = (await h.models.entries.findOne({ _id: victim!._id }))!;
    await h.models.entries.updateOne({ _id: victim!._id }, { $set: { hash: entryHash(edited) } });
    const again = await cli('verify');
    expect(again.code).toBe(1);
    expect(again.report.problems.map((p: Json) => p.kind)).not.toContain('entry_modified');
    expect(again.report.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'posting_hash_mismatch', entryId: victim!._id })]),
    );
  });
});
