#!/usr/bin/env node
// The demo market's past: DEMO_HISTORY_DAYS (60) days of payments replayed through the real path, so every chart of
// the manager's dashboard tells a story on first start. stack.sh runs it in the background after the seed, and only
// the first time: a market whose insights already show payments before today is left alone (a restart adds nothing).
//
// What the replay does, day by day from the oldest:
//   - the bank simulator books each payment into the stall's virtual account at its historic instant (bookedAt) and
//     sends the signed webhook to payment-ledger, which matches and posts it at that bank time: the ledger, settlement
//     and market-insights all see the same payments on the same business days, to the đồng. The ledger believes a
//     bank time weeks old only because the demo stack names the simulator in BACKDATED_BANK_TIME_DAYS;
//   - adoption grows: 3 stalls pay by QR on the first day, most of the active ones by the last (an S-curve); each has
//     about DEMO_HISTORY_RATE payments a day, fewer on Sundays, mostly in the morning rush (6–9 h);
//   - now and then a shopper types the market's collection account by hand: the money waits in suspense, and
//     market-insights raises a payment_in_suspense alert;
//   - a few payments are reversed by the manager (a refund to the payer), today, once the past days are cut off;
//   - once settlement has every payment of a day (its reconciliation of that day finds them all), the admin cuts it
//     off: a payout batch for each of the last DEMO_HISTORY_DAILY_DAYS (14) days, and before that one a week (each
//     Sunday's batch takes the week's payments), which settlement's payout worker then pays to the vendors. Daily
//     batches all the way back would be four times the lines and payouts: minutes of work for a busy 2-core machine.
// The stalls' onboarding must be older than the replayed days (seed.js with DEMO_ONBOARDED_DAYS_AGO), or the adoption
// of those days has no stalls to count.
//
// Settings: DEMO_HISTORY_DAYS (60), DEMO_HISTORY_STALLS (how many stalls pay by the last day; default 90 % of the
// active ones), DEMO_HISTORY_DAILY_DAYS (14), DEMO_HISTORY_RATE (1.3 payments per paying stall per weekday),
// DEMO_HISTORY_CONCURRENCY (24 transfers not yet posted), DEMO_HISTORY_FORCE=1 (replay even if there is history).
// Deterministic: the same plan on every run.
'use strict';
const { DEMO_STALLS, MANAGER, MARKET, amountFor } = require('./data');
const { URLS, HttpError, call, log, login, secret } = require('./lib');
// The seeded generator (mulberry32) is service-kit's, from its build: stack.sh builds the workspace before the demo.
const { mulberry32 } = require('../../packages/service-kit/dist/seeded-random');

const DAYS = Number(process.env.DEMO_HISTORY_DAYS || 60);
const RATE = Number(process.env.DEMO_HISTORY_RATE || 1.3);
// Transfers booked and not yet posted by the ledger: enough for its group commit to fill batches, few enough that each
// is posted while its webhook waits for the answer (see pacer).
const CONCURRENCY = Number(process.env.DEMO_HISTORY_CONCURRENCY || 24);
const FORCE = process.env.DEMO_HISTORY_FORCE === '1';
const DAILY_DAYS = Number(process.env.DEMO_HISTORY_DAILY_DAYS || 14);
const DAY_MS = 86_400_000;
/** Asia/Ho_Chi_Minh has no daylight saving: a business day starts at 17:00 UTC the day before. */
const VN_OFFSET_MS = 7 * 3_600_000;
/**
 * Settlement's scheduler closes on its own only the last few days (SETTLEMENT_CATCHUP_DAYS, 3 by default): those are
 * replayed after every earlier day is cut off, so it never closes one of them while older days still wait for theirs.
 */
const SCHEDULER_WINDOW_DAYS = 4;

const vnDay = (t) => new Date(t + VN_OFFSET_MS).toISOString().slice(0, 10);
/** The instant of `hh:mm:ss` on a business day. */
const vnInstant = (day, seconds) => new Date(Date.parse(`${day}T00:00:00Z`) - VN_OFFSET_MS + seconds * 1000);

/** How many of a day's payments fall in each hour (5 h to 19 h): the morning market, a small evening return. */
const HOUR_WEIGHTS = {
  5: 4,
  6: 11,
  7: 15,
  8: 13,
  9: 9,
  10: 6,
  11: 4,
  12: 3,
  13: 2,
  14: 2,
  15: 3,
  16: 4,
  17: 5,
  18: 3,
  19: 1,
};
/** Sunday (0) is the quiet day; Saturday a little busier. */
const WEEKDAY_FACTOR = [0.45, 1, 0.95, 1, 1, 1.05, 1.2];

function pickHour(rnd) {
  const total = Object.values(HOUR_WEIGHTS).reduce((a, b) => a + b, 0);
  let r = rnd() * total;
  for (const [hour, w] of Object.entries(HOUR_WEIGHTS)) {
    if ((r -= w) < 0) return Number(hour);
  }
  return 7;
}

function poisson(mean, rnd) {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
}

/**
 * The plan: per past day (oldest first), its payments (stall, amount, instant), misdirected transfers and the
 * payment to reverse. `stalls` are the active ones, in a fixed order; the first to adopt come first in a shuffle.
 */
function plan(stalls, today, rnd) {
  const order = [...stalls];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const goal = Math.min(order.length, Number(process.env.DEMO_HISTORY_STALLS || Math.round(order.length * 0.9)));
  const first = Math.min(3, goal);
  // Reversals and misdirected transfers on fixed days back (scaled to a short replay).
  const reversalDays = new Set((DAYS >= 30 ? [52, 37, 23, 9] : [Math.ceil(DAYS / 2)]).filter((d) => d <= DAYS));
  const misdirectedDays = new Set(
    (DAYS >= 30 ? [47, 31, 18, 11, 4, 2] : [Math.max(1, Math.floor(DAYS / 3))]).filter((d) => d <= DAYS),
  );
  const days = [];
  for (let ago = DAYS; ago >= 1; ago--) {
    const day = vnDay(Date.parse(`${today}T12:00:00Z`) - ago * DAY_MS);
    const x = DAYS === 1 ? 1 : (DAYS - ago) / (DAYS - 1);
    const paying = Math.round(first + (goal - first) * x * x * (3 - 2 * x));
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    const payments = [];
    for (const stall of order.slice(0, paying)) {
      const n = poisson(RATE * WEEKDAY_FACTOR[weekday], rnd);
      for (let k = 0; k < n; k++) {
        const seconds = pickHour(rnd) * 3600 + Math.floor(rnd() * 3600);
        payments.push({ stall, amount: amountFor(stall.category, rnd), at: vnInstant(day, seconds) });
      }
    }
    payments.sort((a, b) => a.at - b.at);
    const misdirected = [];
    if (misdirectedDays.has(ago) && order.length) {
      const stall = order[Math.floor(rnd() * Math.min(order.length, paying || 1))];
      misdirected.push({ stall, amount: amountFor(stall.category, rnd), at: vnInstant(day, 7 * 3600 + rnd() * 7200) });
    }
    // Cut off daily lately, weekly (Sundays) before: see the top of this file.
    const cutoff = ago <= DAILY_DAYS || weekday === 0;
    days.push({ day, ago, payments, misdirected, cutoff, reverse: reversalDays.has(ago) && payments.length > 0 });
  }
  return days;
}

/**
 * Paces the replay by what the ledger has posted: at most CONCURRENCY transfers booked and not yet posted. Booking
 * returns at once and the webhook goes out in the background; the ledger answers it within WEBHOOK_POST_WAIT_MS even
 * when it has not posted yet, queueing the rest, and a backlog of queued notifications drains far slower than the
 * webhook path posts (seen on a busy 2-core machine: 900 queued, 1 a second; unpaced webhooks were even retried
 * 16,000 times past the simulator's 5 s timeout). The ledger's own count of posted payments (/metrics) is the pace.
 */
function pacer() {
  let booked = 0;
  let base = null;
  let last = 0;
  const posted = async () => {
    const res = await fetch(`${URLS.ledger}/metrics`, { signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let n = 0;
    for (const m of text.matchAll(/^payment_ledger_payments_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
    return n;
  };
  return {
    async room() {
      for (;;) {
        const now = await posted().catch(() => last);
        // A restarted ledger counts from zero again: take what is in flight as posted and go on.
        if (base === null || now < last) base = now - booked;
        last = now;
        if (booked - (now - base) < CONCURRENCY) {
          booked++;
          return;
        }
        await pause(100);
      }
    },
  };
}

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel(items, fn, width) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function activeStalls(token) {
  const res = await call(
    'GET',
    `${URLS.onboarding}/markets/${MARKET.id}/stalls?status=active&pageSize=100`,
    undefined,
    token,
  );
  const category = new Map(DEMO_STALLS.map((s) => [s.stallCode, s.category]));
  return res.items
    .filter((s) => s.virtualAccount)
    .map((s) => ({
      id: s.id,
      stallCode: s.stallCode,
      category: category.get(s.stallCode) ?? s.category,
      virtualAccount: s.virtualAccount.accountNumber,
    }))
    .sort((a, b) => a.stallCode.localeCompare(b.stallCode));
}

/** Payments market-insights already counts before today: the market has a history (a restart must not add one). */
async function paymentsBefore(today, token) {
  const from = vnDay(Date.parse(`${today}T12:00:00Z`) - 365 * DAY_MS);
  const to = vnDay(Date.parse(`${today}T12:00:00Z`) - DAY_MS);
  const res = await call(
    'GET',
    `${URLS.insights}/markets/${MARKET.id}/stats/payments?from=${from}&to=${to}`,
    undefined,
    token,
  );
  return res.totals.paymentCount;
}

async function main() {
  const started = Date.now();
  const today = vnDay(Date.now());
  const manager = await login(MANAGER.username, MANAGER.password);
  const admin = await login(process.env.ADMIN_USERNAME || 'admin', secret('ADMIN_PASSWORD', 'admin-password'));
  if (!FORCE) {
    const before = await paymentsBefore(today, manager);
    if (before > 0) {
      log(`history: the market already has ${before} payments before today; nothing to replay`);
      return;
    }
  }
  const stalls = await activeStalls(manager);
  if (!stalls.length) throw new Error('no active stall with a virtual account: run seed.js first');
  const days = plan(stalls, today, mulberry32(20_260_101));
  // A market seeded without DEMO_ONBOARDED_DAYS_AGO (before the replay existed) has no stall on the first day: its
  // adoption chart would stay empty, so say how to get the history instead of replaying payments nobody counts.
  // Right after the seed, market-insights may still be reading the merchant events: it is given a minute.
  const activeOnFirstDay = async () => {
    const { rows } = await call(
      'GET',
      `${URLS.insights}/markets/${MARKET.id}/stats/adoption-days?from=${days[0].day}&to=${days[0].day}`,
      undefined,
      manager,
    );
    return rows.length ? Number(rows[0].active) : 0;
  };
  const waitUntil = Date.now() + 60_000;
  while ((await activeOnFirstDay()) < stalls.length && Date.now() < waitUntil) await pause(1000);
  if (!(await activeOnFirstDay())) {
    log(
      `history: no stall of the market was active on ${days[0].day} (a market seeded before the replay existed); ` +
        'start from scratch for a history (npm stop && rm -rf .run, see README)',
    );
    return;
  }
  const total = days.reduce((n, d) => n + d.payments.length + d.misdirected.length, 0);
  log(
    `history: replaying ${days.length} days (${days[0].day} … ${days.at(-1).day}), ${total} transfers to ` +
      `${stalls.length} active stalls, ${CONCURRENCY} at a time`,
  );

  // Cut-offs run behind the sending, one day after another in order (a later batch takes an earlier day's leftovers,
  // never the reverse): each waits until settlement has all of its day's payments.
  let chain = Promise.resolve();
  const stats = { batches: 0, reversed: 0, late: 0, closedBefore: 0 };
  const toReverse = [];
  const cutoffAfter = (d, txIds) => {
    // One day's failure (logged) does not stop the later days' cut-offs.
    chain = chain
      .then(() => settleDay(d, txIds, { admin, stats, toReverse }))
      .catch((e) => log(`history: settling ${d.day} failed: ${e.message}`));
  };

  const pace = pacer();
  let sent = 0;
  for (const d of days) {
    if (d.ago <= SCHEDULER_WINDOW_DAYS) await chain;
    const txIds = [];
    await inParallel(
      d.payments,
      async (p) => {
        await pace.room();
        const t = await call('POST', `${URLS.bank}/__admin/incoming-transfers`, {
          toAccount: p.stall.virtualAccount,
          amount: p.amount,
          description: `Thanh toan QR sap ${p.stall.stallCode}`,
          bookedAt: p.at.toISOString(),
        });
        txIds.push({ id: t.transactionId, stall: p.stall, amount: p.amount });
      },
      CONCURRENCY,
    );
    for (const m of d.misdirected) {
      await pace.room();
      // Typed by hand: the collection account and the stall code in the memo, no virtual account. Suspense, alert.
      await call('POST', `${URLS.bank}/__admin/incoming-transfers`, {
        toAccount: MARKET.collectionAccount.accountNumber,
        amount: m.amount,
        description: `chuyen tien hang ${m.stall.stallCode.replace('-', '')}`,
        bookedAt: m.at.toISOString(),
      });
    }
    sent += d.payments.length + d.misdirected.length;
    cutoffAfter(d, txIds);
    if (d.ago % 10 === 0 || d.ago <= 1) {
      log(`history: ${d.day} sent (${sent}/${total} transfers, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  await chain;
  for (const r of toReverse) if (await reverse(r, manager)) stats.reversed++;
  log(
    `history: ${total} transfers over ${days.length} days replayed in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${stats.batches} payout batches cut off, ${stats.reversed} payments reversed` +
      (stats.late ? `, ${stats.late} days cut off before settlement had all their payments` : '') +
      (stats.closedBefore ? `, ${stats.closedBefore} days left to a later batch (cut off already)` : ''),
  );
}

/**
 * One past day, once settlement has every payment of it: the manager's reversal if the plan has one, then the admin's
 * cut-off if it is a cut-off day. Settlement's reconciliation of the day lists what it has against the bank's
 * statement. Days go through here in order, so a cut-off comes after every earlier day was found complete.
 */
async function settleDay(d, txIds, { admin, stats, toReverse }) {
  const wanted = new Set(txIds.map((t) => t.id));
  // The day's largest payment, if the plan reverses one: the ledger's payment id comes with the reconciliation.
  const target = d.reverse ? [...txIds].sort((a, b) => b.amount - a.amount)[0] : undefined;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { reconciliation } = await call(
      'GET',
      `${URLS.settlement}/markets/${MARKET.id}/reconciliation?day=${d.day}`,
      undefined,
      admin,
    );
    const credits = reconciliation.items.filter((i) => i.kind === 'credit' && i.ourAmount !== null);
    const ours = new Set(credits.map((i) => i.bankTransactionId));
    if ([...wanted].every((id) => ours.has(id))) {
      const item = target && credits.find((i) => i.bankTransactionId === target.id);
      if (item && item.paymentId) toReverse.push({ paymentId: item.paymentId, stallCode: target.stall.stallCode });
      break;
    }
    if (Date.now() > deadline) {
      // Cut off all the same: what arrives later is settled with the next day's batch, as in real life.
      stats.late++;
      log(`history: ${d.day}: settlement still misses payments after 5 min; cutting off anyway`);
      break;
    }
    await pause(500);
  }
  if (!d.cutoff) return;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await call(
        'POST',
        `${URLS.settlement}/markets/${MARKET.id}/settlements/cutoff`,
        { businessDay: d.day },
        admin,
      );
      if (res.created) stats.batches++;
      return;
    } catch (e) {
      // A later day cut off already (settlement's own scheduler): this day's payments go with that batch.
      if (e instanceof HttpError && e.code === 'SETTLEMENT.DAY_ALREADY_CLOSED') {
        stats.closedBefore++;
        return;
      }
      if (e instanceof HttpError && e.code === 'SETTLEMENT.CUTOFF_IN_PROGRESS' && attempt < 120) {
        await pause(1000);
        continue;
      }
      log(`history: cut-off of ${d.day} failed: ${e.message}`);
      return;
    }
  }
}

/**
 * The manager refunds a payment (the shopper paid the wrong stall, say): payment.reversed. Done today, as a manager
 * would, after every past day is cut off: the reversal is today's money (settlement takes it from the stall's next
 * line), and a contribution dated today before the past days' cut-offs would let the scheduler close today first.
 */
async function reverse({ paymentId, stallCode }, manager) {
  try {
    await call(
      'POST',
      `${URLS.ledger}/payments/${paymentId}/reverse`,
      { reasonCode: 'refund_to_payer', reason: `Khách chuyển nhầm sạp ${stallCode}, đã hoàn tiền` },
      manager,
    );
    return true;
  } catch (e) {
    if (e instanceof HttpError && e.status === 409) return false; // reversed already (a retried call)
    throw e;
  }
}

main().catch((e) => {
  console.error('[demo] history replay failed:', e.message);
  process.exit(1);
});
