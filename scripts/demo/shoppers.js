#!/usr/bin/env node
// Simulated shoppers for the demo: every 2–5 s one of them scans a random active stall's poster and pays it from the
// bank simulator's shopper app, which books the transfer and sends the signed webhook to the ledger: the real path.
// Runs until SIGTERM (npm stop). DEMO_SHOPPER_MIN_MS / DEMO_SHOPPER_MAX_MS change the pace.
'use strict';
const { DEMO_STALLS, MANAGER, MARKET, amountFor } = require('./data');
const { URLS, call, log, login } = require('./lib');

const MIN_MS = Number(process.env.DEMO_SHOPPER_MIN_MS || 2_000);
const MAX_MS = Number(process.env.DEMO_SHOPPER_MAX_MS || 5_000);
/** Share of payments sent to the market's collection account instead of a stall (they land in suspense). */
const MISDIRECTED = Number(process.env.DEMO_MISDIRECTED_RATE || 0.03);
const category = new Map(DEMO_STALLS.map((s) => [s.stallCode, s.category]));

let stopping = false;
let wake = () => undefined;
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    stopping = true;
    wake();
  });
}
const pause = (ms) =>
  new Promise((r) => {
    const t = setTimeout(r, ms);
    wake = () => {
      clearTimeout(t);
      r();
    };
  });

let token = null;
let posters = []; // { stallCode, merchantId, payload }
let refreshedAt = 0;

/** The active stalls' posters, as a shopper would scan them; refreshed every minute (approvals, re-issued posters). */
async function refresh() {
  token ??= await login(MANAGER.username, MANAGER.password);
  const stalls = (
    await call('GET', `${URLS.onboarding}/markets/${MARKET.id}/stalls?status=active&pageSize=100`, undefined, token)
  ).items;
  const next = [];
  for (const s of stalls) {
    try {
      const { qr } = await call('GET', `${URLS.qr}/stalls/${s.id}/qr/static`, undefined, token);
      next.push({ stallCode: s.stallCode, merchantId: s.id, payload: qr.payload });
    } catch {
      // No poster yet (qr-generation has not seen the activation): next refresh.
    }
  }
  posters = next;
  refreshedAt = Date.now();
}

async function main() {
  log(`shoppers: paying a random stall every ${MIN_MS / 1000}–${MAX_MS / 1000} s (stop with npm stop)`);
  let paid = 0;
  let failures = 0;
  while (!stopping) {
    try {
      if (!posters.length || Date.now() - refreshedAt > 60_000) await refresh();
      const p = posters[Math.floor(Math.random() * posters.length)];
      if (p && Math.random() < MISDIRECTED) {
        // Now and then a shopper types the market's collection account by hand and no stall code: the ledger holds
        // the money in suspense and the manager reallocates it (the web app's "Tiền treo" tab).
        const amount = amountFor(category.get(p.stallCode) ?? 'other');
        await call('POST', `${URLS.bank}/__admin/incoming-transfers`, {
          toAccount: MARKET.collectionAccount.accountNumber,
          amount,
          description: `chuyen tien hang ${p.stallCode.replace('-', '')}`,
        });
        log(`a misdirected payment of ${amount} đồng (meant for ${p.stallCode}) went to the collection account`);
      } else if (p) {
        const amount = amountFor(category.get(p.stallCode) ?? 'other');
        const t = await call('POST', `${URLS.bank}/shopper/pay`, { payload: p.payload, amount });
        paid++;
        failures = 0;
        if (paid % 10 === 1) log(`paid ${paid} so far; last ${amount} đồng to ${p.stallCode} (${t.transactionId})`);
      }
    } catch (e) {
      failures++;
      if (e.status === 401) token = null;
      if (failures === 1 || failures % 20 === 0) log(`payment failed (${failures} in a row): ${e.message}`);
      if (failures > 3) posters = [];
    }
    await pause(MIN_MS + Math.random() * (MAX_MS - MIN_MS));
  }
  log(`shoppers stopped after ${paid} payments`);
}

main().catch((e) => {
  console.error('[demo] shoppers crashed:', e.message);
  process.exit(1);
});
