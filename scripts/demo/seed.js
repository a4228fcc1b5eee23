#!/usr/bin/env node
// Seeds the demo market through the services' real APIs, and can be run again at any time: whatever exists is kept.
//   1. the bank simulator learns the vendors' accounts (its memory is lost on restart) and sends webhooks to the ledger;
//   2. the admin creates Chợ Nếnh with its zones, and its manager;
//   3. fifty vendors register (the bank's name inquiry verifies them; one holder name does not match);
//   4. the manager approves most of them (their posters are issued by qr-generation);
//   5. settlement learns the market's collection account (payouts and reconciliation) and a 0.3 % fee;
//   6. the simulator is re-taught each stall's virtual account, in registration order, after a restart.
// Writes the demo logins to .run/demo/logins.txt (printed by `npm start`).
// DEMO_ONBOARDED_DAYS_AGO (set by stack.sh, with merchant-onboarding's BACKDATED_ONBOARDING_DAYS) dates the stalls'
// onboarding that many days back, so the history replay (history.js) has a market whose stalls were registered and
// approved before the days it replays: the adoption chart counts a day's stalls from their events' dates.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { DEMO_STALLS, MANAGER, MARKET, VENDOR_PIN } = require('./data');
const { STATE, URLS, HttpError, call, log, login, secret } = require('./lib');

const ONBOARDED_DAYS_AGO = Number(process.env.DEMO_ONBOARDED_DAYS_AGO || 0);

async function listStalls(token) {
  const out = [];
  for (let page = 1; ; page++) {
    const res = await call(
      'GET',
      `${URLS.onboarding}/markets/${MARKET.id}/stalls?page=${page}&pageSize=100`,
      undefined,
      token,
    );
    out.push(...res.items);
    if (out.length >= res.total || res.items.length === 0) return out;
  }
}

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel(items, fn, width = 4) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

async function main() {
  const started = Date.now();
  // 1. The bank: every vendor's payout account with the holder name the bank has, and the webhook to the ledger.
  for (const s of DEMO_STALLS) {
    await call('POST', `${URLS.bank}/__admin/accounts`, { ...s.payoutAccount, name: s.bankName, status: 'active' });
  }
  // stack.sh also gives the simulator this endpoint through BANK_SIM_WEBHOOK_URL: one endpoint, not two.
  const webhookUrl = process.env.BANK_SIM_WEBHOOK_URL || `${URLS.ledger}/webhooks/bank-sim`;
  const { webhooks } = await call('GET', `${URLS.bank}/__admin/webhooks`);
  if (!webhooks.some((w) => w.url === webhookUrl)) {
    await call('POST', `${URLS.bank}/__admin/webhooks`, {
      id: 'payment-ledger',
      url: webhookUrl,
      provider: process.env.BANK_SIM_WEBHOOK_PROVIDER || 'bank-sim',
      secret: secret('WEBHOOK_SECRET_BANKSIM', 'webhook-secret'),
    });
  }
  log(`bank simulator: ${DEMO_STALLS.length} vendor accounts, webhook → ${webhookUrl}`);

  // 2. The market and its manager.
  const adminToken = await login(process.env.ADMIN_USERNAME || 'admin', secret('ADMIN_PASSWORD', 'admin-password'));
  try {
    await call('POST', `${URLS.onboarding}/markets`, MARKET, adminToken);
    log(`market ${MARKET.name} created`);
  } catch (e) {
    if (e.code !== 'MERCHANT.MARKET_EXISTS') throw e;
  }
  try {
    await call('POST', `${URLS.onboarding}/markets/${MARKET.id}/managers`, MANAGER, adminToken);
    log(`manager ${MANAGER.username} created`);
  } catch (e) {
    if (e.code !== 'MERCHANT.USERNAME_TAKEN') throw e;
  }
  const managerToken = await login(MANAGER.username, MANAGER.password);

  // 3. Vendors register (by the manager, on their behalf); existing stalls are left alone.
  let stalls = await listStalls(managerToken);
  const byCode = new Map(stalls.map((s) => [s.stallCode, s]));
  let registered = 0;
  // A few at a time: each registration hashes a PIN and asks the bank, so one by one takes most of a minute.
  await inParallel(
    DEMO_STALLS.filter((s) => !byCode.has(s.stallCode)),
    async (s) => {
      const { approve: _a, bankName: _b, ...fields } = s;
      // One offset for every stall (not one date): their order, which numbers the virtual accounts, stays as it is.
      const body = ONBOARDED_DAYS_AGO
        ? { ...fields, registeredAt: new Date(Date.now() - ONBOARDED_DAYS_AGO * 86_400_000).toISOString() }
        : fields;
      try {
        await call('POST', `${URLS.onboarding}/markets/${MARKET.id}/stalls`, body, managerToken);
        registered++;
      } catch (e) {
        if (e.code !== 'MERCHANT.PHONE_TAKEN') throw e;
      }
    },
  );
  if (registered) log(`${registered} stalls registered`);

  // 4. Approve the verified ones meant to be active.
  stalls = await listStalls(managerToken);
  const toApprove = DEMO_STALLS.flatMap((s) => {
    const stall = stalls.find((x) => x.stallCode === s.stallCode);
    return s.approve && stall && stall.status === 'verified' ? [stall] : [];
  });
  await inParallel(toApprove, (stall) =>
    call('POST', `${URLS.onboarding}/stalls/${stall.id}/approve`, {}, managerToken).catch((e) => {
      // A repeated approval (the first answer was lost and the call retried) finds the stall active already.
      if (!(e instanceof HttpError) || e.status !== 409) throw e;
    }),
  );
  const approved = toApprove.length;
  if (approved) log(`${approved} stalls approved`);

  // 5. Settlement: the market's fee. (Its collection account, which payouts leave from and reconciliation reads,
  // reaches settlement with the merchant events.)
  const fee = { rateBps: 30, minimumFee: 0, maximumFee: 5_000 };
  const { feeSchedule } = await call(
    'GET',
    `${URLS.settlement}/markets/${MARKET.id}/fee-schedule`,
    undefined,
    adminToken,
  );
  if (!feeSchedule || feeSchedule.rateBps !== fee.rateBps) {
    await call('PUT', `${URLS.settlement}/markets/${MARKET.id}/fee-schedule`, fee, adminToken);
  }

  // 6. The simulator keeps virtual accounts in memory and numbers them in issue order: re-issuing them in the order
  // the stalls were registered gives back the same numbers after a restart (it answers "exists" otherwise).
  const withVa = stalls
    .filter((s) => s.virtualAccount)
    .sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
  let mismatched = 0;
  for (const s of withVa) {
    const va = await call('POST', `${URLS.bank}/v1/virtual-accounts`, {
      collectionAccount: MARKET.collectionAccount.accountNumber,
      stallRef: s.id,
      displayName: s.vendor.fullName,
    });
    if (va.virtualAccount !== s.virtualAccount.accountNumber) mismatched++;
  }
  if (mismatched)
    log(`warning: ${mismatched} virtual accounts differ from the simulator's; payments to them will not match`);

  const active = (await listStalls(managerToken)).filter((s) => s.status === 'active');
  const vendors = DEMO_STALLS.filter((s) => s.approve).slice(0, 2);
  mkdirSync(resolve(STATE, 'demo'), { recursive: true });
  const lines = [
    `market: ${MARKET.name} (${MARKET.district}, ${MARKET.province}): ${active.length} active stalls of ${stalls.length}`,
    `admin:   ${process.env.ADMIN_USERNAME || 'admin'} / ${secret('ADMIN_PASSWORD', 'admin-password')}`,
    `manager: ${MANAGER.username} / ${MANAGER.password}`,
    ...vendors.map((v) => `vendor:  ${v.vendor.phone} / PIN ${VENDOR_PIN}  (${v.vendor.fullName}, sạp ${v.stallCode})`),
  ];
  writeFileSync(resolve(STATE, 'demo', 'logins.txt'), `${lines.join('\n')}\n`);
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${lines[0]}`);
}

main().catch((e) => {
  console.error('[demo] seeding failed:', e.message);
  process.exit(1);
});
