/**
 * Notifications in: each provider's format and signature scheme, every way a notification can be refused, and every
 * matching path, against the real broker and database, over real HTTP. Where nothing should be posted, the test
 * checks that nothing was (no inbox record, no entry, no event).
 */
import { createHmac, randomInt } from 'node:crypto';
import { waitFor } from '@marketqr/test-harness';
import { checkLedger, verifyLedger } from '../src/ledger/check';
import { paymentIdFor } from '../src/webhooks/webhook.service';
import { bankSimAdapter } from '../src/webhooks/providers';
import { sign } from '../src/webhooks/signatures';
import {
  activated,
  balanceOf,
  bankSimBody,
  dynamicQr,
  eventsOf,
  hcmLocal,
  MARKETS,
  HOLD_MS,
  paymentEntry,
  postBankSim,
  postCasso,
  postSepay,
  SECRETS,
  settled,
  stall,
  startLedger,
  txId,
  waitForProjections,
  type Harness,
  type Json,
} from './support';

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const orderCode = () => `MQ${Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;

let h: Harness;
const s1 = stall(1);
const s2 = stall(2);
const s3 = stall(3);
const s4 = stall(4);
const codes = { paid: orderCode(), under: orderCode(), over: orderCode(), late: orderCode(), s2live: orderCode() };

beforeAll(async () => {
  h = await startLedger('webhooks');
  await h.publish([
    activated(s1),
    activated(s2),
    activated(s3),
    activated(s4, 'suspended'),
    dynamicQr(s1, codes.paid, 120_000),
    dynamicQr(s1, codes.under, 80_000),
    dynamicQr(s2, codes.over, 30_000),
    dynamicQr(s2, codes.s2live, 70_000),
    dynamicQr(s2, codes.late, 45_000, new Date(Date.now() - 60_000)),
  ]);
  await waitForProjections(h, 4, 5);
});

afterAll(async () => {
  await h?.stop();
});

const pid = (provider: 'bank-sim' | 'sepay' | 'casso', tx: string) => paymentIdFor(provider, tx);

async function nothingStored(provider: 'bank-sim' | 'sepay' | 'casso', tx: string) {
  const id = pid(provider, tx);
  expect(await h.models.inbox.countDocuments({ _id: id })).toBe(0);
  expect(await h.models.work.countDocuments({ _id: id })).toBe(0);
  expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(0);
}

describe('bank simulator format', () => {
  test('a static QR payment: stored, acknowledged, posted to the stall, announced; a repeat changes nothing', async () => {
    const body = bankSimBody({ amount: 35_000, virtualAccount: s1.va, description: `${s1.stallCode} mua rau` });
    const first = await postBankSim(h.base, body);
    expect(first).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    const id = pid('bank-sim', body.transactionId);
    const entry = await paymentEntry(h, id);
    expect(entry).toMatchObject({
      kind: 'payment',
      merchantId: s1.merchantId,
      marketId: s1.marketId,
      postings: [
        { account: `market:${s1.marketId}:bank`, amount: 35_000 },
        { account: `stall:${s1.merchantId}:payable`, amount: -35_000 },
      ],
      meta: { outcome: 'paid', matchedBy: 'virtual_account', notes: [], payerName: 'TRAN VAN BINH' },
    });

    const again = await postBankSim(h.base, body);
    expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    await settled(h);
    expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(1);
    expect(await balanceOf(h, `stall:${s1.merchantId}:payable`)).toBe(-35_000);

    const confirmed = await waitFor(() =>
      eventsOf(h.paymentEvents, 'payment.confirmed').find((e) => e.data.paymentId === id),
    );
    expect(confirmed).toMatchObject({
      aggregateId: s1.merchantId,
      data: {
        merchantId: s1.merchantId,
        stallCode: s1.stallCode,
        amount: 35_000,
        qrId: null,
        bankTransactionId: body.transactionId,
        payerName: 'TRAN VAN BINH',
        // Who paid, for new-vs-returning statistics: the payer's bank and a keyed hash of bin:account.
        payerBankBin: '970436',
        payerAccountHash: createHmac('sha256', SECRETS.payerHash).update('970436:0123456789').digest('hex'),
      },
    });
    // The account number itself never leaves the ledger.
    expect(JSON.stringify(confirmed)).not.toContain('0123456789');
    const posted = await waitFor(() =>
      eventsOf(h.ledgerEvents, 'ledger.entry-posted').find((e) => e.data.entryId === `payment:${id}`),
    );
    expect(posted.data).toMatchObject({
      kind: 'payment',
      merchantBalanceAfter: 35_000,
      lines: [
        { account: `market:${s1.marketId}:bank`, debit: 35_000, credit: 0 },
        { account: `stall:${s1.merchantId}:payable`, debit: 0, credit: 35_000 },
      ],
    });
  });

  test('a resend under the same id with other content: refused with its own code, recorded durably, the first stands', async () => {
    const body = bankSimBody({ amount: 41_000, virtualAccount: s1.va, description: `${s1.stallCode} ca` });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    await paymentEntry(h, id);
    // A genuine resend (same content) is an ordinary duplicate.
    expect(await postBankSim(h.base, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    const edited = { ...body, amount: 410_000 };
    for (let i = 0; i < 2; i++) {
      const r = await postBankSim(h.base, edited);
      expect([r.status, r.body.error?.code, r.body.error?.details?.fields]).toEqual([
        409,
        'WEBHOOK.MODIFIED_RESEND',
        ['amount'],
      ]);
    }
    // Recorded once per distinct content, in the database (not in one process's memory), with what changed.
    const recorded = await h.models.modifiedResends.find({ paymentId: id }).toArray();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ differences: [{ field: 'amount', stored: 41_000, resent: 410_000 }] });
    expect(JSON.parse(recorded[0]!.rawBody)).toMatchObject({ amount: 410_000 });
    await settled(h);
    expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(1);
    expect((await paymentEntry(h, id)).meta.amount).toBe(41_000);
    const view = await fetch(`${h.base}/payments/${id}`, {
      headers: { authorization: `Bearer ${h.token({ role: 'admin', sub: 'usr-admin' })}` },
    }).then((r) => r.json() as Promise<Json>);
    expect(view.modifiedResends).toEqual([
      expect.objectContaining({ paymentId: id, differences: [expect.objectContaining({ field: 'amount' })] }),
    ]);
  });

  test('static QR whose description lacks the stall code: the virtual account’s stall is credited, noted', async () => {
    const body = bankSimBody({ amount: 12_000, virtualAccount: s3.va, description: 'thanh toan tien hang' });
    expect((await postBankSim(h.base, body)).status).toBe(200);
    const entry = await paymentEntry(h, pid('bank-sim', body.transactionId));
    expect(entry).toMatchObject({
      merchantId: s3.merchantId,
      meta: { outcome: 'paid', notes: ['stall_code_mismatch'] },
    });
  });

  test('a suspended stall is still credited (the money is in the bank), with a note', async () => {
    const body = bankSimBody({ amount: 9_000, virtualAccount: s4.va, description: s4.stallCode });
    expect((await postBankSim(h.base, body)).status).toBe(200);
    const entry = await paymentEntry(h, pid('bank-sim', body.transactionId));
    expect(entry).toMatchObject({ merchantId: s4.merchantId, meta: { outcome: 'paid', notes: ['stall_suspended'] } });
  });

  test('dynamic QRs: order code anywhere in the description, any case → paid, underpaid, overpaid, late', async () => {
    const cases = [
      { code: codes.paid, amount: 120_000, va: s1.va, outcome: 'paid', stall: s1 },
      { code: codes.under, amount: 50_000, va: s1.va, outcome: 'underpaid', stall: s1 },
      { code: codes.over, amount: 31_000, va: null, outcome: 'overpaid', stall: s2 },
      { code: codes.late, amount: 45_000, va: s2.va, outcome: 'late', stall: s2 },
    ];
    const ids: string[] = [];
    for (const c of cases) {
      const body = bankSimBody({
        amount: c.amount,
        virtualAccount: c.va,
        description: `MBVCB.3278907687.${c.code.toLowerCase()}.thanh toan don hang`,
      });
      expect((await postBankSim(h.base, body)).status).toBe(200);
      ids.push(pid('bank-sim', body.transactionId));
    }
    for (const [i, c] of cases.entries()) {
      const entry = await paymentEntry(h, ids[i]!);
      expect(entry).toMatchObject({
        merchantId: c.stall.merchantId,
        meta: { outcome: c.outcome, matchedBy: 'order_code', orderCode: c.code, creditedTo: 'stall' },
      });
    }
    const byId = (id: string) =>
      h.paymentEvents.messages.map((m) => m.value as Json).find((e) => e.data?.paymentId === id);
    await waitFor(() => ids.every((id) => byId(id)), { what: 'payment events' });
    expect(byId(ids[0]!)).toMatchObject({
      type: 'payment.confirmed',
      data: { expectedAmount: 120_000, orderCode: codes.paid },
    });
    for (const [i, reason] of [
      [1, 'underpaid'],
      [2, 'overpaid'],
      [3, 'late'],
    ] as const) {
      expect(byId(ids[i]!)).toMatchObject({
        type: 'payment.flagged',
        aggregateId: cases[i]!.stall.merchantId,
        data: { reason, creditedTo: 'stall', merchantId: cases[i]!.stall.merchantId },
      });
    }
    // The same QR paid a second time, exactly: the first payment claimed it, so this one is over what was asked.
    const second = bankSimBody({ amount: 120_000, virtualAccount: s1.va, description: codes.paid });
    await postBankSim(h.base, second);
    expect((await paymentEntry(h, pid('bank-sim', second.transactionId))).meta).toMatchObject({
      outcome: 'overpaid',
      notes: ['qr_already_paid'],
    });

    // The shopper page asks before offering to pay a dynamic QR (public, like the genuine check): paid, and when.
    const paidQr = await fetch(`${h.base}/qr/qr_${codes.paid.toLowerCase()}/payment`);
    expect(paidQr.status).toBe(200);
    expect(await paidQr.json()).toEqual({
      qrId: `qr_${codes.paid.toLowerCase()}`,
      paid: true,
      paidAt: (await paymentEntry(h, ids[0]!)).meta.paidAt,
    });
    const unpaid = await fetch(`${h.base}/qr/qr_${orderCode().toLowerCase()}/payment`);
    expect(await unpaid.json()).toMatchObject({ paid: false, paidAt: null });
    const bad = await fetch(`${h.base}/qr/${encodeURIComponent('qr 1')}/payment`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe('LEDGER.INVALID_QR_ID');
  });

  test('a QR issued after its stall was last paid is found in the description, however the bank split its code', async () => {
    // A payment to stall 3 makes the ledger read (and keep) stall 3's dynamic QRs: none yet.
    const before = bankSimBody({ amount: 15_000, virtualAccount: s3.va, description: 'tien rau' });
    expect((await postBankSim(h.base, before)).status).toBe(200);
    expect((await paymentEntry(h, pid('bank-sim', before.transactionId))).meta).toMatchObject({ qrId: null });
    const code = orderCode();
    await h.publish([dynamicQr(s3, code, 64_000)]);
    await waitFor(async () => (await h.models.qrs.countDocuments({ orderCode: code })) === 1, {
      what: 'the QR in the projection',
    });
    // The code split by a space: no token carries it, only a search of the stall's own QRs in the description finds it.
    const split = `${code.slice(0, 5)} ${code.slice(5)}`;
    const body = bankSimBody({ amount: 64_000, virtualAccount: s3.va, description: `CT ${split} rau muong` });
    expect((await postBankSim(h.base, body)).status).toBe(200);
    expect((await paymentEntry(h, pid('bank-sim', body.transactionId))).meta).toMatchObject({
      outcome: 'paid',
      matchedBy: 'order_code',
      qrId: `qr_${code.toLowerCase()}`,
    });
  });

  test('a NUL inside a description is stored as U+FFFD and the payment posted; inside a transaction id, refused', async () => {
    const body = bankSimBody({ amount: 21_000, virtualAccount: s3.va, description: 'tien\u0000rau' });
    expect((await postBankSim(h.base, body)).status).toBe(200);
    expect(await paymentEntry(h, pid('bank-sim', body.transactionId))).toMatchObject({
      merchantId: s3.merchantId,
      meta: { description: 'tien\uFFFDrau' },
    });
    const bad = bankSimBody({ amount: 21_000, virtualAccount: s3.va, description: 'tien rau' });
    const res = await postBankSim(h.base, { ...bad, transactionId: `FT\u0000${bad.transactionId}` });
    expect(res.status).toBe(400);
    await nothingStored('bank-sim', `FT\u0000${bad.transactionId}`);
  });

  test('stall 1’s account with stall 2’s live order code (a fake QR’s shape): stall 1 keeps it, flagged, the QR unpaid', async () => {
    const body = bankSimBody({ amount: 70_000, virtualAccount: s1.va, description: `thanh toan ${codes.s2live}` });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    const entry = await paymentEntry(h, id);
    expect(entry).toMatchObject({
      merchantId: s1.merchantId,
      meta: {
        outcome: 'order_code_of_other_stall',
        matchedBy: 'virtual_account',
        creditedTo: 'stall',
        qrId: null,
        notes: ['order_code_of_other_stall'],
        conflictingQr: { merchantId: s2.merchantId, orderCode: codes.s2live, amount: 70_000 },
      },
    });
    const event = await waitFor(() =>
      h.paymentEvents.messages.map((m) => m.value as Json).find((e) => e.data?.paymentId === id),
    );
    expect(event).toMatchObject({
      type: 'payment.flagged',
      aggregateId: s1.merchantId,
      data: { reason: 'order_code_of_other_stall', creditedTo: 'stall', merchantId: s1.merchantId, qrId: null },
    });
    // Stall 2's QR was not paid by it: its shopper's real payment is the first, and exact.
    const real = bankSimBody({ amount: 70_000, virtualAccount: s2.va, description: codes.s2live });
    await postBankSim(h.base, real);
    expect((await paymentEntry(h, pid('bank-sim', real.transactionId))).meta).toMatchObject({
      outcome: 'paid',
      matchedBy: 'order_code',
      notes: [],
    });
  });

  test('what a bank would never send (a trillion đồng; booked in 2019 or 2031) is held for review, never announced', async () => {
    const today = hcmLocal(new Date()).slice(0, 10);
    const cases = [
      { over: { amount: 1_000_000_000_000 }, note: 'amount_implausible' },
      { over: { amount: 500_000_000 }, note: 'amount_implausible' },
      { over: { bookedAt: '2019-01-01T03:00:00Z' }, note: 'bank_time_implausible' },
      { over: { bookedAt: '2031-06-01T03:00:00Z' }, note: 'bank_time_implausible' },
    ];
    for (const c of cases) {
      const body = bankSimBody({ virtualAccount: s1.va, description: `${s1.stallCode} ${codes.paid}`, ...c.over });
      // Stored and acknowledged (it is the bank's record), so the bank does not send it again and again.
      expect((await postBankSim(h.base, body)).status).toBe(200);
      const id = pid('bank-sim', body.transactionId);
      const entry = await paymentEntry(h, id);
      expect(entry).toMatchObject({
        merchantId: null,
        marketId: MARKETS.nenh.marketId,
        businessDay: today,
        meta: {
          outcome: 'held_for_review',
          creditedTo: 'suspense',
          qrId: null,
          notes: expect.arrayContaining([c.note]),
        },
      });
      expect(entry.postings.map((p: Json) => p.account)).not.toContain(`stall:${s1.merchantId}:payable`);
      const event = await waitFor(() =>
        h.paymentEvents.messages.map((m) => m.value as Json).find((e) => e.data?.paymentId === id),
      );
      // Every service books it on the day the ledger did: paidAt is when it reached us when the bank's time is off.
      expect(event).toMatchObject({
        type: 'payment.flagged',
        data: { reason: 'held_for_review', creditedTo: 'suspense', merchantId: null, businessDay: today },
      });
      expect(hcmLocal(new Date(event.data.paidAt)).slice(0, 10)).toBe(today);
    }
  });

  test('nothing matches: the market’s suspense account, payment.flagged unmatched keyed by the market', async () => {
    const body = bankSimBody({ amount: 77_000, virtualAccount: null, description: 'ck tien' });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    const entry = await paymentEntry(h, id);
    expect(entry).toMatchObject({
      merchantId: null,
      marketId: MARKETS.nenh.marketId,
      postings: [
        { account: `market:${MARKETS.nenh.marketId}:bank`, amount: 77_000 },
        { account: `market:${MARKETS.nenh.marketId}:suspense`, amount: -77_000 },
      ],
      meta: { outcome: 'unmatched', creditedTo: 'suspense' },
    });
    const flagged = await waitFor(() =>
      eventsOf(h.paymentEvents, 'payment.flagged').find((e) => e.data.paymentId === id),
    );
    expect(flagged).toMatchObject({
      aggregateId: MARKETS.nenh.marketId,
      data: { reason: 'unmatched', creditedTo: 'suspense', merchantId: null },
    });
  });

  test('a market’s collection account known only from merchant events: a bare transfer to it is that market’s', async () => {
    const homStall = stall(1, MARKETS.hom);
    await h.publish([activated(homStall)]);
    await waitFor(async () => (await h.models.collectionAccounts.countDocuments({ _id: MARKETS.hom.collection })) > 0, {
      what: 'the collection account learned from merchant.activated',
    });
    const body = bankSimBody({ accountNumber: MARKETS.hom.collection, virtualAccount: null, amount: 21_000 });
    expect((await postBankSim(h.base, body)).status).toBe(200);
    const entry = await paymentEntry(h, pid('bank-sim', body.transactionId));
    expect(entry).toMatchObject({
      marketId: MARKETS.hom.marketId,
      postings: [
        { account: `market:${MARKETS.hom.marketId}:bank`, amount: 21_000 },
        { account: `market:${MARKETS.hom.marketId}:suspense`, amount: -21_000 },
      ],
      meta: { outcome: 'unmatched', creditedTo: 'suspense' },
    });
  });

  test('an account no market is known for: acknowledged, kept out of every market’s books, no payment event', async () => {
    const body = bankSimBody({ accountNumber: '8888777766', virtualAccount: null, amount: 5_000 });
    expect(await postBankSim(h.base, body)).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    const id = pid('bank-sim', body.transactionId);
    const entry = await paymentEntry(h, id);
    expect(entry).toMatchObject({
      marketId: null,
      merchantId: null,
      postings: [
        { account: 'unidentified:bank', amount: 5_000 },
        { account: 'unidentified:suspense', amount: -5_000 },
      ],
      meta: { outcome: 'unknown_account' },
    });
    await settled(h);
    expect(h.paymentEvents.messages.some((m) => (m.value as Json).data?.paymentId === id)).toBe(false);
  });

  test('an outgoing transfer is acknowledged and recorded as ignored, never posted', async () => {
    const body = bankSimBody({ direction: 'out', virtualAccount: null, amount: 200_000 });
    expect(await postBankSim(h.base, body)).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    const id = pid('bank-sim', body.transactionId);
    expect(await h.models.inbox.findOne({ _id: id })).toMatchObject({ flag: 'ignored_outgoing' });
    expect(await postBankSim(h.base, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(await h.models.work.countDocuments({ _id: id })).toBe(0);
    expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(0);
  });

  test('refused before anything is stored: bad signature, stale timestamp, malformed, bad amounts, oversized', async () => {
    const cases: {
      name: string;
      send: () => Promise<{ status: number; body: Json }>;
      status: number;
      code: string;
      tx: string;
    }[] = [];
    const add = (
      name: string,
      status: number,
      code: string,
      make: (b: ReturnType<typeof bankSimBody>) => Promise<{ status: number; body: Json }>,
    ) => {
      const b = bankSimBody({ virtualAccount: s1.va });
      cases.push({ name, status, code, tx: b.transactionId, send: () => make(b) });
    };
    add('wrong secret', 401, 'WEBHOOK.BAD_SIGNATURE', (b) =>
      postBankSim(h.base, b, { secret: 'not-the-secret-at-all-000' }),
    );
    add('signature over other bytes', 401, 'WEBHOOK.BAD_SIGNATURE', async (b) => {
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${h.base}/webhooks/bank-sim`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-marketqr-timestamp': ts,
          'x-marketqr-signature': sign.timestampedSha256(SECRETS.bankSim, ts, JSON.stringify({ ...b, amount: 1 })),
        },
        body: JSON.stringify(b),
      });
      return { status: res.status, body: (await res.json()) as Json };
    });
    add('no signature', 401, 'WEBHOOK.BAD_SIGNATURE', async (b) => {
      const res = await fetch(`${h.base}/webhooks/bank-sim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
      return { status: res.status, body: (await res.json()) as Json };
    });
    add('stale timestamp', 401, 'WEBHOOK.STALE_TIMESTAMP', (b) =>
      postBankSim(h.base, b, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    );
    add('future timestamp', 401, 'WEBHOOK.STALE_TIMESTAMP', (b) =>
      postBankSim(h.base, b, { timestamp: Math.floor(Date.now() / 1000) + 600 }),
    );
    add('not JSON', 400, 'WEBHOOK.MALFORMED', (b) =>
      postBankSim(h.base, null, { raw: `{"transactionId":"${b.transactionId}",` }),
    );
    add('not the format', 400, 'WEBHOOK.MALFORMED', (b) => postBankSim(h.base, { ...b, amount: '50000' }));
    add('missing field', 400, 'WEBHOOK.MALFORMED', (b) => postBankSim(h.base, { ...b, accountNumber: undefined }));
    add('zero amount', 400, 'WEBHOOK.INVALID_AMOUNT', (b) => postBankSim(h.base, { ...b, amount: 0 }));
    add('negative amount', 400, 'WEBHOOK.INVALID_AMOUNT', (b) => postBankSim(h.base, { ...b, amount: -5_000 }));
    add('fractional amount', 400, 'WEBHOOK.INVALID_AMOUNT', (b) => postBankSim(h.base, { ...b, amount: 12_500.5 }));
    add('oversized', 413, 'WEBHOOK.TOO_LARGE', (b) => postBankSim(h.base, { ...b, description: 'x'.repeat(70_000) }));

    for (const c of cases) {
      const r = await c.send();
      expect({ case: c.name, status: r.status, code: r.body.error?.code }).toEqual({
        case: c.name,
        status: c.status,
        code: c.code,
      });
    }
    await settled(h);
    for (const c of cases) await nothingStored('bank-sim', c.tx);
  });
});

describe('SePay format', () => {
  const sepayBody = (over: Json = {}) => ({
    id: Number(`9${randomInt(1e9)}`),
    gateway: 'BIDV',
    transactionDate: hcmLocal(),
    accountNumber: MARKETS.nenh.collection,
    code: null,
    content: `${s2.stallCode} mua ca`,
    transferType: 'in',
    transferAmount: 64_000,
    accumulated: 19_077_000,
    subAccount: s2.va,
    referenceCode: 'MBVCB.3278907687',
    description: 'BankAPINotify …',
    ...over,
  });

  test('accepted with its signature scheme, deduplicated on id; refused with a wrong one', async () => {
    const body = sepayBody();
    expect(await postSepay(h.base, body)).toEqual({ status: 200, body: { success: true } });
    const id = pid('sepay', String(body.id));
    const entry = await paymentEntry(h, id);
    expect(entry).toMatchObject({ merchantId: s2.merchantId, meta: { outcome: 'paid', provider: 'sepay', notes: [] } });
    // SePay's local time is Asia/Ho_Chi_Minh: the business day follows it.
    expect(entry.meta.paidAt.slice(0, 16)).toBe(
      new Date(Date.parse(`${body.transactionDate.replace(' ', 'T')}+07:00`)).toISOString().slice(0, 16),
    );
    expect(await postSepay(h.base, body)).toEqual({ status: 200, body: { success: true } });

    const forged = sepayBody();
    const r = await postSepay(h.base, forged, { secret: SECRETS.bankSim });
    expect([r.status, r.body.error.code]).toEqual([401, 'WEBHOOK.BAD_SIGNATURE']);
    const out = sepayBody({ transferType: 'out' });
    expect(await postSepay(h.base, out)).toEqual({ status: 200, body: { success: true } });
    await settled(h);
    expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(1);
    await nothingStored('sepay', String(forged.id));
    expect(await h.models.inbox.findOne({ _id: pid('sepay', String(out.id)) })).toMatchObject({
      flag: 'ignored_outgoing',
    });
  });
});

describe('Casso format (webhook v2)', () => {
  const cassoBody = (over: Json = {}) => ({
    error: 0,
    data: {
      id: randomInt(1e9),
      reference: 'FT25061234567',
      description: `${s3.stallCode} tra tien`,
      amount: 88_000,
      runningBalance: 25_000_000,
      transactionDateTime: hcmLocal(),
      accountNumber: MARKETS.nenh.collection,
      bankName: 'BIDV',
      bankAbbreviation: 'BIDV',
      virtualAccountNumber: s3.va,
      virtualAccountName: 'A-03',
      counterAccountName: 'LE THI MAI',
      counterAccountNumber: '0987654321',
      counterAccountBankId: '970436',
      counterAccountBankName: 'Vietcombank',
      ...over,
    },
  });

  test('accepted with its signature scheme; refused when signed with a wrong key or over other content', async () => {
    const body = cassoBody();
    expect(await postCasso(h.base, body)).toEqual({ status: 200, body: { success: true } });
    const id = pid('casso', String(body.data.id));
    expect(await paymentEntry(h, id)).toMatchObject({
      merchantId: s3.merchantId,
      meta: { outcome: 'paid', provider: 'casso', payerName: 'LE THI MAI' },
    });
    expect(await postCasso(h.base, body)).toEqual({ status: 200, body: { success: true } });

    const wrongKey = cassoBody();
    const r1 = await postCasso(h.base, wrongKey, { secret: SECRETS.sepay });
    expect([r1.status, r1.body.error.code]).toEqual([401, 'WEBHOOK.BAD_SIGNATURE']);
    const tampered = cassoBody();
    const res = await fetch(`${h.base}/webhooks/casso`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-casso-signature': sign.casso(SECRETS.casso, Date.now(), {
          ...tampered,
          data: { ...tampered.data, amount: 1 },
        }),
      },
      body: JSON.stringify(tampered),
    });
    expect(res.status).toBe(401);
    const stale = cassoBody();
    const r2 = await postCasso(h.base, stale, { tMs: Date.now() - 10 * 60_000 });
    expect([r2.status, r2.body.error.code]).toEqual([401, 'WEBHOOK.STALE_TIMESTAMP']);
    // Casso reports money out as a negative amount.
    const out = cassoBody({ amount: -150_000 });
    expect(await postCasso(h.base, out)).toEqual({ status: 200, body: { success: true } });
    await settled(h);
    expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(1);
    for (const b of [wrongKey, tampered, stale]) await nothingStored('casso', String(b.data.id));
    expect(await h.models.inbox.findOne({ _id: pid('casso', String(out.data.id)) })).toMatchObject({
      flag: 'ignored_outgoing',
    });
  });
});

test('stored but never answered (the process died): the provider’s repeat delivery gets it posted', async () => {
  const body = bankSimBody({ amount: 17_000, virtualAccount: s2.va, description: s2.stallCode });
  const id = pid('bank-sim', body.transactionId);
  // What a crash right after the inbox insert leaves behind: the record, nothing else.
  await h.models.inbox.insertOne({
    _id: id,
    provider: 'bank-sim',
    providerTxId: body.transactionId,
    notification: bankSimAdapter.normalise(body),
    rawBody: JSON.stringify(body),
    signature: {},
    receivedAt: new Date(),
    flag: null,
  });
  expect(await postBankSim(h.base, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
  expect(await paymentEntry(h, id)).toMatchObject({ merchantId: s2.merchantId, meta: { outcome: 'paid' } });
  await settled(h);
  expect(await h.models.entries.countDocuments({ paymentId: id })).toBe(1);
});

describe('notifications that arrive before the events that explain them', () => {
  test('an order code not known yet is held, then matched when qr.issued arrives', async () => {
    const code = orderCode();
    const body = bankSimBody({ amount: 66_000, virtualAccount: s1.va, description: `thanh toan ${code}` });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    await waitFor(async () => (await h.models.work.findOne({ _id: id }))?.state === 'held', { what: 'held' });
    await h.publish([dynamicQr(s1, code, 66_000)]);
    const entry = await paymentEntry(h, id);
    expect(entry.meta).toMatchObject({ outcome: 'paid', matchedBy: 'order_code', orderCode: code });
  });

  test('a burst of notifications racing their qr.issued events: every one is paid, none waits out the hold', async () => {
    // The hold here is 10 minutes: a notification whose event slipped past it would time this test out.
    const burst = Array.from({ length: 20 }, (_, i) => ({ code: orderCode(), amount: 10_000 + i }));
    const bodies = burst.map((b) =>
      bankSimBody({ amount: b.amount, virtualAccount: s1.va, description: `thanh toan ${b.code}` }),
    );
    await Promise.all([
      ...bodies.map((b) => postBankSim(h.base, b)),
      h.publish(burst.map((b) => dynamicQr(s1, b.code, b.amount))),
    ]);
    for (const [i, b] of bodies.entries()) {
      const entry = await paymentEntry(h, pid('bank-sim', b.transactionId));
      expect([i, entry.meta.outcome, entry.meta.orderCode]).toEqual([i, 'paid', burst[i]!.code]);
    }
  });

  test('a virtual account not known yet is held, then credited when its stall is activated', async () => {
    const late = stall(9);
    const body = bankSimBody({ amount: 21_000, virtualAccount: late.va, description: late.stallCode });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    await waitFor(async () => (await h.models.work.findOne({ _id: id }))?.state === 'held', { what: 'held' });
    await h.publish([activated(late)]);
    expect(await paymentEntry(h, id)).toMatchObject({ merchantId: late.merchantId, meta: { outcome: 'paid' } });
  });

  test('a virtual account nobody claims goes to suspense once the hold is over', async () => {
    const body = bankSimBody({ amount: 4_000, virtualAccount: '961234999999', description: 'ck' });
    await postBankSim(h.base, body);
    const id = pid('bank-sim', body.transactionId);
    await waitFor(async () => (await h.models.work.findOne({ _id: id }))?.state === 'held', { what: 'held' });
    h.clock.advance(HOLD_MS);
    const entry = await paymentEntry(h, id);
    expect(entry.meta).toMatchObject({ outcome: 'unmatched', notes: ['unknown_virtual_account'] });
  });
});

test('after all of it the ledger checks and verifies clean', async () => {
  await settled(h);
  const check = await checkLedger(h.models);
  expect(check.problems).toEqual([]);
  expect(check.ok).toBe(true);
  const verify = await verifyLedger(h.models);
  expect(verify.problems).toEqual([]);
  expect(verify.entries).toBeGreaterThan(10);
});

test('a new notification id is unique per provider, not across providers', () => {
  const tx = txId();
  expect(pid('bank-sim', tx)).not.toBe(pid('sepay', tx));
});
