/**
 * The demo's history replay (scripts/demo/history.js), short: the whole system as processes (tests/support/system-stack),
 * the seed with the market onboarded a week ago, then five past days replayed for a few stalls. What the dashboard
 * shows of those days must be what the bank booked and the ledger posted: payments per day in market-insights equal
 * the simulator's transfers of that day and the ledger's entries of that business day (to the đồng, reversals
 * removed), the adoption of each past day counts the stalls, settlement has one batch per past day, and a second run
 * finds the history and adds nothing.
 *
 * The test stack does not replay history by itself (it would slow every browser and fault test): this test asks.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, waitFor } from '@marketqr/test-harness';
import { json, startStack, type Stack } from '../support/system-stack';

const DAYS = 5;
const VN_OFFSET_MS = 7 * 3_600_000;
const vnDay = (t: number) => new Date(t + VN_OFFSET_MS).toISOString().slice(0, 10);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    label: 'history',
    web: false,
    env: {
      onboarding: { BACKDATED_ONBOARDING_DAYS: '10' },
      ledger: { BACKDATED_BANK_TIME_DAYS: 'bank-sim=10' },
    },
    seedEnv: { DEMO_ONBOARDED_DAYS_AGO: String(DAYS + 2) },
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function replay(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [resolve(repoRoot, 'scripts/demo/history.js')], {
    env: {
      ...process.env,
      MERCHANT_ONBOARDING_URL: stack.urls.onboarding,
      PAYMENT_LEDGER_URL: stack.urls.ledger,
      SETTLEMENT_URL: stack.urls.settlement,
      MARKET_INSIGHTS_URL: stack.urls.insights,
      BANK_SIMULATOR_URL: stack.urls.bank,
      ADMIN_PASSWORD: stack.adminPassword,
      DEMO_HISTORY_DAYS: String(DAYS),
      DEMO_HISTORY_STALLS: '4',
      DEMO_HISTORY_RATE: '1.2',
    },
    timeout: 600_000,
  });
  return stdout;
}

type Row = Record<string, number | string | null>;

it('replays past days through the bank, the ledger, settlement and insights, once', async () => {
  const today = vnDay(Date.now());
  const first = vnDay(Date.now() - DAYS * 86_400_000);
  const yesterday = vnDay(Date.now() - 86_400_000);
  const out = await replay();
  expect(out).toMatch(/history: \d+ transfers over 5 days replayed/);
  // The plan of a short replay: one payment reversed, one misdirected to the collection account.
  expect(out).toMatch(/, 1 payments reversed/);

  const login = async (username: string, password: string) =>
    ((await json('POST', `${stack.urls.onboarding}/auth/login`, { username, password })) as { token: string }).token;
  const manager = await login('bql.nenh', 'cho-nenh-2026');
  const get = async <T>(url: string, token = manager) => (await json('GET', url, undefined, token)) as T;

  // What the bank booked in the past days, per business day: to the stalls' virtual accounts.
  const { transfers } = await get<{
    transfers: {
      kind: string;
      amount: number;
      businessDay: string;
      virtualAccount: string | null;
      transactionId: string;
    }[];
  }>(`${stack.urls.bank}/__admin/ledger`);
  const booked = transfers.filter((t) => t.kind === 'incoming' && t.virtualAccount && t.businessDay < today);
  expect(booked.length).toBeGreaterThan(0);
  expect(new Set(booked.map((t) => t.businessDay)).size).toBeGreaterThanOrEqual(DAYS - 1);
  expect(booked.every((t) => t.businessDay >= first)).toBe(true);

  // The ledger posted every one of them on its bank day (not today: the bank time was believed), to a stall.
  type Entry = {
    paymentId: string;
    businessDay: string;
    meta: { amount: number; bankTransactionId: string; creditedTo: string };
  };
  const entries: Entry[] = [];
  for (let page = 1; ; page++) {
    const res = await get<{ items: Entry[]; total: number }>(
      `${stack.urls.ledger}/markets/cho-nenh/payments?page=${page}&pageSize=100`,
    );
    entries.push(...res.items);
    if (entries.length >= res.total || res.items.length === 0) break;
  }
  const byTx = new Map(entries.map((e) => [e.meta.bankTransactionId, e]));
  for (const t of booked) {
    const e = byTx.get(t.transactionId);
    expect(e && { day: e.businessDay, amount: e.meta.amount, to: e.meta.creditedTo }).toEqual({
      day: t.businessDay,
      amount: t.amount,
      to: 'stall',
    });
  }

  // Reversed payments leave the counts: expected per day = booked minus reversed, to the đồng.
  const expected = new Map<string, { count: number; value: number }>();
  for (const t of booked) {
    const state = await get<{ reversed?: boolean }>(
      `${stack.urls.ledger}/payments/${byTx.get(t.transactionId)!.paymentId}`,
    );
    if (state.reversed) continue;
    const d = expected.get(t.businessDay) ?? { count: 0, value: 0 };
    expected.set(t.businessDay, { count: d.count + 1, value: d.value + t.amount });
  }
  const want = [...expected].map(([day, v]) => ({ day, ...v })).sort((a, b) => a.day.localeCompare(b.day));
  const seen = await waitFor(
    async () => {
      const { rows } = await get<{ rows: Row[] }>(
        `${stack.urls.insights}/markets/cho-nenh/stats/payments?from=${first}&to=${yesterday}`,
      );
      const got = rows
        .filter((r) => Number(r.paymentCount) > 0)
        .map((r) => ({ day: String(r.day), count: Number(r.paymentCount), value: Number(r.paymentValue) }));
      return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `insights' payments per day to be ${JSON.stringify(want)}` },
  );
  expect(seen).toEqual(want);

  // Adoption of the past days: the market's stalls were active then, and some paid by QR.
  const { rows: adoption } = await get<{ rows: Row[] }>(
    `${stack.urls.insights}/markets/cho-nenh/stats/adoption-days?from=${first}&to=${yesterday}`,
  );
  expect(adoption).toHaveLength(DAYS);
  for (const r of adoption) expect(Number(r.active)).toBeGreaterThan(30);
  expect(Number(adoption.at(-1)!.activeWithPayment30d)).toBeGreaterThanOrEqual(3);

  // The misdirected transfer waits in suspense, and the manager is alerted.
  await waitFor(
    async () => {
      const { items } = await get<{ items: { kind: string }[] }>(
        `${stack.urls.insights}/markets/cho-nenh/alerts?kind=payment_in_suspense`,
      );
      return items.length === 1 || undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: 'one payment_in_suspense alert' },
  );

  // One payout batch per past day, cut off by the replay (settlement's scheduler may close today: not counted).
  const adminToken = await login('admin', stack.adminPassword);
  const { items: batches } = await get<{ items: { businessDay: string }[] }>(
    `${stack.urls.settlement}/markets/cho-nenh/settlement-batches?pageSize=100`,
    adminToken,
  );
  const pastDays = Array.from({ length: DAYS }, (_, i) => vnDay(Date.now() - (DAYS - i) * 86_400_000));
  expect(
    batches
      .map((b) => b.businessDay)
      .filter((d) => d < today)
      .sort(),
  ).toEqual(pastDays);

  // A second start finds the history: nothing more is booked.
  expect(await replay()).toMatch(/already has \d+ payments before today; nothing to replay/);
  const after = await get<{ transfers: unknown[] }>(`${stack.urls.bank}/__admin/ledger`);
  expect(after.transfers.length).toBe(transfers.length);
});
