/**
 * Fault scenarios 5 and 6 (no infrastructure restarts, so on the shared broker and database):
 *   5. the same notification delivered 10 times concurrently; notifications out of order; a notification naming an
 *      order code the ledger does not know (held, then decided) and dynamic QRs paid the moment they are issued;
 *   6. a corpus of bad input, each refused with its code and nothing stored.
 * Then conservation for every stall (bank = ledger = settlement, no duplicates, ledger check clean).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { testInfra, waitFor } from '@marketqr/test-harness';
import { startStack, type Stack } from '../support/system-stack';
import {
  COLLECTION_ACCOUNT,
  MARKET,
  amountFor,
  bankCredits,
  context,
  conservation,
  http,
  jwt,
  login,
  ok,
  pay,
  report,
  signBankSim,
  type Ctx,
  type Paid,
} from './support/faults';

jest.setTimeout(300_000);

let stack: Stack;
let ctx: Ctx;
const paid: Paid[] = [];

beforeAll(async () => {
  stack = await startStack({ label: 'fault_input', web: false });
  ctx = await context(stack, 6);
});
afterAll(async () => {
  await stack?.stop();
});

test('5a. the same notification delivered 10 times concurrently posts once', async () => {
  const started = Date.now();
  // duplicates: 9 → the original and 9 copies, all sent at the same moment (a race on purpose).
  const batch = await Promise.all(
    ctx.stalls
      .slice(0, 5)
      .map((s, i) => pay(ctx, s, amountFor(100 + i), i % 2 ? 'dynamic' : 'static', { duplicates: 9 })),
  );
  paid.push(...batch);
  for (const p of batch) {
    const d = await waitFor(
      async () => {
        const r = await ok('GET', `${stack.urls.bank}/__admin/webhook-deliveries?transactionId=${p.transactionId}`);
        return r.deliveries.length === 10 && r.deliveries.every((x: { status: string }) => x.status === 'delivered')
          ? r.deliveries
          : undefined;
      },
      { timeoutMs: 60_000, what: `10 deliveries of ${p.transactionId}` },
    );
    expect(d).toHaveLength(10);
  }
  const c = await conservation(ctx, testInfra().mongoUrl);
  expect(c.duplicates).toBe(0);
  report('5a duplicates ×10 concurrent', {
    payments: batch.length,
    deliveries: batch.length * 10,
    ledgerCredits: c.payments,
    duplicates: c.duplicates,
    seconds: (Date.now() - started) / 1000,
  });
});

test('5b. notifications out of order, and for QRs the ledger does not know yet', async () => {
  const started = Date.now();
  const s = ctx.stalls;
  // Out of order: earlier payments held back (delayMs) so later ones, to the same stall too, land first.
  const ordered = await Promise.all([
    pay(ctx, s[0]!, amountFor(200), 'static', { delayMs: 3_000 }),
    pay(ctx, s[0]!, amountFor(201), 'dynamic', { delayMs: 2_000 }),
    pay(ctx, s[0]!, amountFor(202), 'static', { delayMs: 1_000 }),
    pay(ctx, s[0]!, amountFor(203), 'static'),
    pay(ctx, s[1]!, amountFor(204), 'dynamic', { delayMs: 2_500 }),
    pay(ctx, s[1]!, amountFor(205), 'static'),
  ]);
  paid.push(...ordered);
  // An order code no QR has: held, then (MATCH_HOLD_MS = 2 s) decided by the virtual account → still the stall's.
  const unknownCode = await pay(ctx, s[2]!, amountFor(206), 'static', { description: 'MQ23456789 thanh toan' });
  paid.push(unknownCode);
  // Dynamic QRs paid the instant they are issued: the notification may reach the ledger before qr.issued does.
  const raced = await Promise.all(s.slice(3, 6).map((st, i) => pay(ctx, st, amountFor(207 + i), 'dynamic')));
  paid.push(...raced);
  const c = await conservation(ctx, testInfra().mongoUrl);
  expect(c.duplicates).toBe(0);
  // The held one was credited to its stall, not to suspense.
  const r = await ok(
    'GET',
    `${stack.urls.ledger}/stalls/${s[2]!.merchantId}/payments?pageSize=100`,
    undefined,
    ctx.admin,
  );
  expect(r.items.some((p: { amount: number }) => p.amount === amountFor(206))).toBe(true);
  // Dynamic QRs matched as paid (by order code), whatever arrived first.
  const review = await ok(
    'GET',
    `${stack.urls.ledger}/markets/${MARKET}/payments?outcome=unmatched&pageSize=100`,
    undefined,
    ctx.admin,
  );
  report('5b out of order + unknown QR', {
    payments: ordered.length + 1 + raced.length,
    unmatched: review.total,
    duplicates: c.duplicates,
    seconds: (Date.now() - started) / 1000,
  });
  expect(review.total).toBe(0);
});

test('6. bad input is refused with its code and nothing is stored', async () => {
  const started = Date.now();
  const codes: Record<string, string[]> = {};
  const seen = <R extends { status: number; body: any }>(what: string, r: R): R => {
    const code = `${r.status} ${r.body?.error?.code ?? r.body?.verdict ?? r.body?.code ?? ''}`.trim();
    const list = (codes[what] ??= []);
    if (!list.includes(code)) list.push(code);
    return r;
  };
  const bankBefore = await bankCredits(stack);
  const transfersBefore = (await ok('GET', `${stack.urls.bank}/__admin/ledger`)).transfers.length;
  const genuineBefore = (await ok('GET', `${stack.urls.qr}/genuine-checks?pageSize=1`, undefined, ctx.admin)).total;

  // --- Malformed QR payloads (fuzzed from a real poster): qr-generation's /qr/verify and the shopper's decode/pay.
  const poster = ctx.stalls[0]!.payload;
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  const corpus: string[] = [
    poster.slice(0, poster.length - 4), // CRC cut off
    poster.slice(0, 20),
    `${poster.slice(0, -4)}0000`, // wrong CRC
    poster.replace('970418', '970419'), // BIN edited, CRC not recomputed
    'https://example.com/pay?to=123',
    'hello',
    '000201',
    '00020101021238', // truncated TLV
    '\u0000\u0001\u0002',
    'Ā'.repeat(500),
    '9'.repeat(4_000),
  ];
  for (let i = 0; i < 40; i++) {
    const chars = poster.split('');
    const k = 1 + rnd(4);
    for (let j = 0; j < k; j++) chars[rnd(chars.length)] = String.fromCharCode(32 + rnd(95));
    const m = chars.join('');
    if (m !== poster) corpus.push(m);
  }
  let verifyGenuine = 0;
  let verify5xx = 0;
  for (const payload of corpus) {
    const v = seen('qr /qr/verify', await http('POST', `${stack.urls.qr}/qr/verify`, { body: { payload } }));
    if (v.status >= 500) verify5xx++;
    if (v.body?.verdict === 'GENUINE') verifyGenuine++;
    const d = seen(
      'bank /shopper/decode',
      await http('POST', `${stack.urls.bank}/shopper/decode`, { body: { payload, amount: 10_000 } }),
    );
    expect(d.status).toBeGreaterThanOrEqual(400);
    expect(d.status).toBeLessThan(500);
    const p = seen(
      'bank /shopper/pay',
      await http('POST', `${stack.urls.bank}/shopper/pay`, { body: { payload, amount: 10_000 } }),
    );
    expect(p.status).toBeGreaterThanOrEqual(400);
    expect(p.status).toBeLessThan(500);
  }
  expect(verify5xx).toBe(0);
  expect(verifyGenuine).toBe(0);
  seen('qr /qr/verify empty', await http('POST', `${stack.urls.qr}/qr/verify`, { body: { payload: '' } }));
  seen(
    'qr /qr/verify text/plain',
    await http('POST', `${stack.urls.qr}/qr/verify`, { raw: poster, headers: { 'content-type': 'text/plain' } }),
  );
  const huge = seen(
    'qr /qr/verify 3 MB',
    await http('POST', `${stack.urls.qr}/qr/verify`, {
      raw: Buffer.alloc(3_000_000, 1),
      headers: { 'content-type': 'image/png' },
    }),
  );
  expect(huge.status).toBe(413);

  // --- Webhooks: wrong signature, no signature, stale timestamp, replay, malformed, bad amounts, oversized, types.
  const url = `${stack.urls.ledger}/webhooks/bank-sim`;
  const secret = stack.webhookSecret;
  const va = ctx.stalls[0]!.virtualAccount;
  const body = (id: string, amount: unknown = 12_345) =>
    JSON.stringify({
      transactionId: id,
      direction: 'in',
      amount,
      description: 'fault corpus',
      accountNumber: COLLECTION_ACCOUNT,
      virtualAccount: va,
      bankBin: '970418',
      bookedAt: new Date().toISOString(),
      counterparty: null,
    });
  const fid = () => `FTFAULT${randomBytes(5).toString('hex')}`;
  const hook = (raw: string | Buffer, headers: Record<string, string>) => http('POST', url, { raw, headers });
  const expectCode = (r: { status: number; body: { error?: { code?: string } } }, status: number, code: string) => {
    expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  };
  let raw = body(fid());
  expectCode(
    seen('webhook wrong signature', await hook(raw, signBankSim('not-the-secret-0123456789', raw))),
    401,
    'WEBHOOK.BAD_SIGNATURE',
  );
  expectCode(
    seen('webhook no signature', await hook(raw, { 'content-type': 'application/json' })),
    401,
    'WEBHOOK.BAD_SIGNATURE',
  );
  const tampered = signBankSim(secret, raw);
  expectCode(
    seen('webhook body edited after signing', await hook(raw.replace('12345', '99999'), tampered)),
    401,
    'WEBHOOK.BAD_SIGNATURE',
  );
  expectCode(
    seen('webhook stale timestamp', await hook(raw, signBankSim(secret, raw, Math.floor(Date.now() / 1000) - 3_600))),
    401,
    'WEBHOOK.STALE_TIMESTAMP',
  );
  expectCode(
    seen('webhook future timestamp', await hook(raw, signBankSim(secret, raw, Math.floor(Date.now() / 1000) + 3_600))),
    401,
    'WEBHOOK.STALE_TIMESTAMP',
  );
  for (const bad of ['{not json', '[]', '{}', JSON.stringify({ transactionId: fid(), direction: 'in' })]) {
    expectCode(seen('webhook malformed (signed)', await hook(bad, signBankSim(secret, bad))), 400, 'WEBHOOK.MALFORMED');
  }
  for (const amount of [0, -5_000, 1.5, 10 ** 13]) {
    raw = body(fid(), amount);
    expectCode(
      seen('webhook invalid amount (signed)', await hook(raw, signBankSim(secret, raw))),
      400,
      'WEBHOOK.INVALID_AMOUNT',
    );
  }
  const big = body(fid()).replace('fault corpus', 'x'.repeat(70_000));
  expectCode(seen('webhook oversized (signed)', await hook(big, signBankSim(secret, big))), 413, 'WEBHOOK.TOO_LARGE');
  const xml = '<transaction><amount>50000</amount></transaction>';
  const wrongType = seen(
    'webhook xml, application/xml (signed)',
    await hook(xml, { ...signBankSim(secret, xml), 'content-type': 'application/xml' }),
  );
  expectCode(wrongType, 400, 'WEBHOOK.MALFORMED');
  // Replays: a delivered notification sent again, byte for byte, with its recorded headers → 200 duplicate, no change.
  const { deliveries } = await ok('GET', `${stack.urls.bank}/__admin/webhook-deliveries?status=delivered`);
  const one = await ok('GET', `${stack.urls.bank}/__admin/webhook-deliveries/${deliveries[0].id}`);
  const fresh = signBankSim(secret, one.delivery?.rawBody ?? one.rawBody);
  const rawBody: string = one.delivery?.rawBody ?? one.rawBody;
  const replay = seen('webhook replayed (re-signed now)', await hook(rawBody, fresh));
  expect(replay.status).toBe(200);
  expect(replay.body.duplicate).toBe(true);
  for (let i = 0; i < 3; i++) {
    await ok('POST', `${stack.urls.bank}/__admin/webhook-deliveries/${deliveries[i].id}/redeliver`);
  }

  // --- Tokens: another stall's vendor, another market's manager, expired, forged, wrong audience.
  const [a, b] = ctx.stalls;
  const vendorA = jwt(
    stack.jwtKey,
    { role: 'vendor', sub: 'u-fault-a', merchantId: a!.merchantId, marketId: MARKET },
    600,
  );
  const otherManager = jwt(stack.jwtKey, { role: 'market_manager', sub: 'u-fault-m', marketId: 'cho-khac' }, 600);
  const expired = jwt(stack.jwtKey, { role: 'admin', sub: 'u-fault-x' }, -600);
  const forged = jwt('an-attacker-secret-that-is-32-characters!', { role: 'admin', sub: 'u-fault-f' }, 600);
  // Another Ed25519 key presenting onboarding's kid: only onboarding's private key signs valid tokens.
  const otherKey = { kid: stack.jwtKey.kid, privateKey: generateKeyPairSync('ed25519').privateKey };
  const forgedKey = jwt(otherKey, { role: 'admin', sub: 'u-fault-k' }, 600);
  const wrongAud = jwt(stack.jwtKey, { role: 'admin', sub: 'u-fault-w', aud: 'someone-else' }, 600);
  const qrsBefore = (await ok('GET', `${stack.urls.qr}/stalls/${b!.merchantId}/qr?pageSize=1`, undefined, ctx.admin))
    .total;
  const targets: [string, string, unknown?][] = [
    ['GET', `${stack.urls.ledger}/stalls/${b!.merchantId}/payments`],
    ['GET', `${stack.urls.settlement}/stalls/${b!.merchantId}/settlement-summary`],
    ['POST', `${stack.urls.qr}/stalls/${b!.merchantId}/qr/dynamic`, { amount: 50_000 }],
  ];
  for (const [m, u, bodyIn] of targets) {
    const svc = new URL(u).port;
    expectCode(
      seen(`token of another stall (${svc})`, await http(m, u, { body: bodyIn, token: vendorA })),
      403,
      'AUTH.FORBIDDEN',
    );
    expectCode(
      seen(`token of another market (${svc})`, await http(m, u, { body: bodyIn, token: otherManager })),
      403,
      'AUTH.FORBIDDEN',
    );
    expectCode(
      seen(`expired token (${svc})`, await http(m, u, { body: bodyIn, token: expired })),
      401,
      'AUTH.TOKEN_EXPIRED',
    );
    expectCode(
      seen(`forged token (${svc})`, await http(m, u, { body: bodyIn, token: forged })),
      401,
      'AUTH.INVALID_TOKEN',
    );
    expectCode(
      seen(`token signed with another key (${svc})`, await http(m, u, { body: bodyIn, token: forgedKey })),
      401,
      'AUTH.INVALID_TOKEN',
    );
    expectCode(
      seen(`wrong audience (${svc})`, await http(m, u, { body: bodyIn, token: wrongAud })),
      401,
      'AUTH.INVALID_TOKEN',
    );
    expectCode(seen(`no token (${svc})`, await http(m, u, { body: bodyIn })), 401, 'AUTH.MISSING_TOKEN');
  }
  // A real vendor login (onboarding-issued) on another stall's data.
  const vendorLogin = await login(
    stack,
    (await ok('GET', `${stack.urls.onboarding}/stalls/${a!.merchantId}`, undefined, ctx.admin)).stall?.vendor?.phone ??
      '0914270000',
    '246810',
  ).catch(() => null);
  if (vendorLogin) {
    const r = await http('GET', `${stack.urls.ledger}/stalls/${b!.merchantId}/payments`, { token: vendorLogin });
    expectCode(seen('real vendor login on another stall', r), 403, 'AUTH.FORBIDDEN');
  }
  // Dynamic QR with a wrong content type and bad amounts: refused, nothing issued.
  seen(
    'qr dynamic text/plain',
    await http('POST', `${stack.urls.qr}/stalls/${b!.merchantId}/qr/dynamic`, {
      raw: 'amount=5000',
      token: ctx.admin,
      headers: { 'content-type': 'text/plain' },
    }),
  );
  for (const amount of [0, -1, 1.5, '5000', 500_000_000]) {
    const r = seen(
      'qr dynamic bad amount',
      await http('POST', `${stack.urls.qr}/stalls/${b!.merchantId}/qr/dynamic`, { body: { amount }, token: ctx.admin }),
    );
    expect(r.status).toBe(400);
  }
  expect((await ok('GET', `${stack.urls.qr}/stalls/${b!.merchantId}/qr?pageSize=1`, undefined, ctx.admin)).total).toBe(
    qrsBefore,
  );

  // Nothing stored: no transfer booked by refused shopper payments; the ledger's credits still equal the bank's.
  expect((await ok('GET', `${stack.urls.bank}/__admin/ledger`)).transfers.length).toBe(transfersBefore);
  const c = await conservation(ctx, testInfra().mongoUrl);
  for (const s of ctx.stalls) {
    expect(c.perStall[s.stallCode]!.bank).toBe(bankBefore.get(s.virtualAccount)?.sum ?? 0);
  }
  const unidentified = await ok('GET', `${stack.urls.ledger}/unidentified-payments?pageSize=1`, undefined, ctx.admin);
  expect(unidentified.total).toBe(0);
  const genuineAfter = (await ok('GET', `${stack.urls.qr}/genuine-checks?pageSize=1`, undefined, ctx.admin)).total;
  report('6 bad input corpus', {
    qrPayloads: corpus.length,
    requests: Object.values(codes).length,
    codes,
    flaggedGenuineChecksStored: genuineAfter - genuineBefore,
    ledgerCredits: c.payments,
    duplicates: c.duplicates,
    seconds: (Date.now() - started) / 1000,
  });
});
