/**
 * 300 distinct notifications plus 90 repeats (30 %), in random order, 20 at a time, over real HTTP into the real
 * store: every distinct one is posted exactly once, the repeats are acknowledged as duplicates, and the money adds
 * up — the stalls' payables plus suspense equal the notifications' total, and so do the bank accounts (with the
 * opposite sign). The check and verify commands' functions run while it is being posted (and must report nothing)
 * and over the result.
 *
 * A correctness test, not a measurement: how fast the ledger posts is `pnpm bench`'s business. LOAD_NOTIFICATIONS
 * overrides the count (e.g. 1,000, the brief's number, by hand).
 */
import { randomInt } from 'node:crypto';
import { waitForProgress } from '@marketqr/test-harness';
import { checkLedger, verifyLedger } from '../src/ledger/check';
import { paymentIdFor } from '../src/webhooks/webhook.service';
import {
  activated,
  bankSimBody,
  dynamicQr,
  MARKETS,
  postBankSim,
  stall,
  startLedger,
  waitForProjections,
  type BankSimBody,
  type Harness,
  type Json,
} from './support';

const UNIQUE = Number(process.env.LOAD_NOTIFICATIONS ?? 300);
const REPEATS = Math.round(UNIQUE * 0.3);
const CONCURRENCY = 20;
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

// The waits below give up only when nothing moves for a minute (waitForProgress), so a busy machine makes this test
// slower, not red. The file's limit is only a backstop for a system that crawls without ever stopping.
jest.setTimeout(20 * 60_000);

let h: Harness;
const stalls = [
  ...Array.from({ length: 10 }, (_, i) => stall(i + 1, MARKETS.nenh)),
  ...Array.from({ length: 10 }, (_, i) => stall(i + 1, MARKETS.benThanh)),
];
const qrs = stalls.flatMap((s, i) =>
  [0, 1].map((k) => ({
    stall: s,
    code: `MQ${Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`,
    amount: 10_000 * (i + k + 1),
  })),
);

beforeAll(async () => {
  h = await startLedger('load', { PROCESSOR_CONCURRENCY: '8', LEDGER_PENDING_AFTER_MS: '10000' });
  await h.publish([...stalls.map((s) => activated(s)), ...qrs.map((q) => dynamicQr(q.stall, q.code, q.amount))]);
  await waitForProjections(h, stalls.length, qrs.length);
});

afterAll(async () => {
  await h?.stop();
});

function notification(i: number): BankSimBody {
  const amount = 1_000 * randomInt(1, 500);
  const roll = i % 20;
  const s = stalls[randomInt(stalls.length)]!;
  const market = s.marketId === MARKETS.nenh.marketId ? MARKETS.nenh : MARKETS.benThanh;
  if (roll < 12) {
    // Static QR: the stall's virtual account, its code in the text (usually).
    return bankSimBody({
      amount,
      accountNumber: market.collection,
      virtualAccount: s.va,
      description: `${s.stallCode} ck`,
    });
  }
  if (roll < 15) {
    const q = qrs[randomInt(qrs.length)]!;
    const qMarket = q.stall.marketId === MARKETS.nenh.marketId ? MARKETS.nenh : MARKETS.benThanh;
    return bankSimBody({
      amount: roll === 14 ? q.amount + 1_000 : q.amount,
      accountNumber: qMarket.collection,
      virtualAccount: q.stall.va,
      description: `QR ${q.code} thanh toan`,
    });
  }
  if (roll < 19) {
    return bankSimBody({ amount, accountNumber: market.collection, virtualAccount: null, description: 'chuyen tien' });
  }
  return bankSimBody({ amount, accountNumber: '7777000011', virtualAccount: null, description: 'ck' });
}

async function sumOfBalances(accounts: (a: string) => boolean): Promise<number> {
  const rows = await h.models.postings
    .aggregate<{ _id: string; total: number }>([{ $group: { _id: '$account', total: { $sum: '$amount' } } }])
    .toArray();
  return rows.filter((r) => accounts(r._id)).reduce((s, r) => s + r.total, 0);
}

test(`${UNIQUE} notifications with ${REPEATS} repeats in random order: each posted once, the money adds up`, async () => {
  const unique = Array.from({ length: UNIQUE }, (_, i) => notification(i));
  const repeats = Array.from({ length: REPEATS }, (_, i) => unique[(i * 7919) % UNIQUE]!);
  const sends = [...unique, ...repeats];
  for (let i = sends.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [sends[i], sends[j]] = [sends[j]!, sends[i]!];
  }

  const replies: Json[] = [];
  // Sends that were answered 503 first: their record may have been stored before the 503, so their retry can rightly
  // be a duplicate.
  let retried = 0;
  let next = 0;
  const sending = Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < sends.length) {
        const body = sends[next++]!;
        // As a bank does: anything but 2xx is sent again. A 503 (the database away for a moment on a starved machine)
        // is an answer a bank retries; it must never mean a notification lost or posted twice.
        let r = await postBankSim(h.base, body);
        if (r.status === 503) retried++;
        for (let attempt = 1; r.status === 503 && attempt < 10; attempt++) {
          await new Promise((ok) => setTimeout(ok, 500 * attempt));
          r = await postBankSim(h.base, body);
        }
        expect(r.status).toBe(200);
        replies.push(r.body);
      }
    }),
  );
  // The commands on a ledger that is taking payments, twice: what they report must be real (nothing here is).
  const live: { kind: string }[] = [];
  for (const share of [0.4, 0.7]) {
    await waitForProgress(() => next, Math.ceil(sends.length * share), { what: `${share * 100} % sent` });
    live.push(...(await checkLedger(h.models)).problems, ...(await verifyLedger(h.models)).problems);
  }
  await sending;
  const expectedIds = new Set(unique.map((b) => `payment:${paymentIdFor('bank-sim', b.transactionId)}`));
  await waitForProgress(() => h.models.entries.countDocuments({ kind: 'payment' }), UNIQUE, {
    what: 'every notification posted',
  });
  // Then nothing left in the queue or half-written: counted down (negated, so that progress is upwards).
  await waitForProgress(
    async () => -((await h.models.work.countDocuments({})) + (await h.models.pending.countDocuments({}))),
    0,
    { what: 'the work queue and pending entries to drain' },
  );

  // Every send answered 200; each repeat a duplicate, each first delivery not (but for retried ones, see above).
  expect(replies).toHaveLength(sends.length);
  const duplicates = replies.filter((r) => r.duplicate === true).length;
  expect(duplicates).toBeGreaterThanOrEqual(REPEATS);
  expect(duplicates).toBeLessThanOrEqual(REPEATS + retried);
  expect(replies.filter((r) => r.duplicate === false).length).toBe(sends.length - duplicates);
  const entries = await h.models.entries.find({ kind: 'payment' }, { projection: { _id: 1 } }).toArray();
  expect(entries).toHaveLength(UNIQUE);
  expect(new Set(entries.map((e) => e._id))).toEqual(expectedIds);

  const total = unique.reduce((s, b) => s + b.amount, 0);
  const credited = await sumOfBalances((a) => a.startsWith('stall:') || a.endsWith(':suspense'));
  const banks = await sumOfBalances((a) => a.endsWith(':bank'));
  expect(-credited).toBe(total);
  expect(banks).toBe(total);

  expect(live).toEqual([]);
  const check = await checkLedger(h.models);
  expect(check.problems).toEqual([]);
  const verify = await verifyLedger(h.models);
  expect(verify.problems).toEqual([]);
  expect(verify.postings).toBe(2 * UNIQUE);
});
