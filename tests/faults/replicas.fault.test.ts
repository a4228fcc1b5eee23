/**
 * Fault scenario 9 (issue 16, item 3): every service replicated, a rolling restart of each under load.
 *
 * On a PRIVATE Kafka/FerretDB pair (own MARKETQR_STATE and ports through infra/local/infra.sh; KAFKA_PORT,
 * KAFKA_CONTROLLER_PORT, MONGO_PORT and MARKETQR_STATE name it when set, else free ports are found), two replicas of each
 * of the five services (same database, same consumer group each) behind the web app's proxy, which is given both URLs
 * of each. The bank's webhook and the scenario's dynamic QRs go through that proxy too; vendor SSE clients follow their
 * stalls through it. While shoppers pay steadily, each service in turn is restarted replica by replica (SIGTERM, start
 * again on the same port, wait for /readyz, then the other replica); payment-ledger's replica holding the most streams
 * is also SIGKILLed once, which cuts its streams mid-flight.
 *
 * Afterwards: every payment the bank booked is posted exactly once (no duplicate entry; `ledger:check` and
 * `ledger:verify` exit 0), bank = ledger = settlement for every stall to the đồng, market-insights counts each payment
 * once, and every SSE client received each of its stall's payments exactly once (counted, not deduplicated), having
 * reconnected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  followEventStream,
  infra,
  privateInfraPorts,
  localInfraUp,
  waitFor,
  type SseEvent,
} from '@marketqr/test-harness';
import type { ServiceProcess } from '../support/service-process';
import { startStack, type Stack, type StackService } from '../support/system-stack';
import {
  MARKET,
  context,
  conservation,
  expectConserved,
  http,
  ledgerCheck,
  ledgerCredits,
  ok,
  report,
  stream,
  streamOutcome,
  type Ctx,
} from './support/faults';

jest.setTimeout(900_000);

const named = (events: SseEvent[], name: string) => events.filter((e) => e.event === name);
const SHARED_PORTS = new Set([
  '9092',
  '9093',
  '27017',
  '25432',
  '28017',
  ...Array.from({ length: 8 }, (_, i) => `1909${i + 2}`),
]);

/** Open live streams on one ledger process, from its metrics. */
async function openStreams(p: ServiceProcess): Promise<number> {
  const m = await http('GET', `${p.url}/metrics`, { timeoutMs: 5_000 }).catch(() => undefined);
  const line = /^payment_ledger_live_streams(?:\{[^}]*\})? (\d+)/m.exec(String(m?.body ?? ''));
  return line ? Number(line[1]) : 0;
}

describe('9. two replicas of every service, rolling restart of each under load', () => {
  const env = {
    MARKETQR_STATE: process.env.MARKETQR_STATE || mkdtempSync(join(tmpdir(), 'marketqr-fault-replicas-')),
    MONGO_PORT: process.env.MONGO_PORT ?? '',
    KAFKA_PORT: process.env.KAFKA_PORT ?? '',
    KAFKA_CONTROLLER_PORT: process.env.KAFKA_CONTROLLER_PORT ?? '',
    // FerretDB's PostgreSQL (the default backend): its own cluster's port, never the shared 25432.
    MARKETQR_PG_PORT: process.env.MARKETQR_PG_PORT ?? '',
    KAFKA_HEAP: '384m',
  };
  const ownState = !process.env.MARKETQR_STATE;
  let startedInfra = false;
  let mongoUrl: string;
  let stack: Stack;
  let ctx: Ctx;

  beforeAll(async () => {
    if (!env.MONGO_PORT || !env.KAFKA_PORT || !env.KAFKA_CONTROLLER_PORT || !env.MARKETQR_PG_PORT) {
      Object.assign(env, await privateInfraPorts());
    }
    for (const p of [env.MONGO_PORT, env.KAFKA_PORT, env.KAFKA_CONTROLLER_PORT, env.MARKETQR_PG_PORT]) {
      if (SHARED_PORTS.has(p)) throw new Error(`refusing to use the shared port ${p}`);
    }
    // Left running afterwards if it was already up (someone else's run of the same private pair); stopped if started here.
    startedInfra = !(await localInfraUp(env));
    await infra(['start'], env);
    mongoUrl = `mongodb://127.0.0.1:${env.MONGO_PORT}`;
    stack = await startStack({
      label: 'fault_replicas5',
      replicas: 2,
      infra: { kafkaBrokers: [`127.0.0.1:${env.KAFKA_PORT}`], mongoUrl },
    });
    ctx = await context(stack, 8);
    ctx.api = { qr: `${stack.urls.web}/api/qr` };
  }, 600_000);
  afterAll(async () => {
    await stack?.stop();
    if (startedInfra) await infra(['stop'], env).catch(() => undefined);
    if (ownState) rmSync(env.MARKETQR_STATE, { recursive: true, force: true });
  });

  test('every acknowledged payment posted, settled, counted and streamed exactly once', async () => {
    const started = Date.now();
    // Two vendor feeds per stall for half the stalls, through the web app's proxy (a phone and a second phone).
    const followed = ctx.stalls.slice(0, 4);
    const feeds = followed.flatMap((s) =>
      [0, 1].map(() => ({
        stall: s,
        feed: followEventStream(`${stack.urls.web}/api/ledger/stalls/${s.merchantId}/payments/stream`, {
          headers: { authorization: `Bearer ${ctx.manager}` },
        }),
      })),
    );
    // Every feed is live (its `ready` seen) before the first payment, so each must carry every payment of its stall.
    await waitFor(() => (feeds.every((f) => named(f.feed.events, 'ready').length) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'every SSE feed ready',
    });
    const s = stream(ctx, 300);
    const phases: Record<string, unknown> = {};
    const flowing = async (n: number, what: string) => {
      const before = s.paid.length;
      await waitFor(() => (s.paid.length >= before + n ? true : undefined), { timeoutMs: 90_000, what });
    };
    await flowing(10, 'payments flowing before the rolling restart');
    const order: StackService[] = ['onboarding', 'qr', 'ledger', 'settlement', 'insights'];
    for (const name of order) {
      const t0 = Date.now();
      for (const replica of [0, 1]) {
        await stack.restart(name, { replica, signal: 'SIGTERM' });
        await flowing(5, `payments after ${name} replica ${replica} restarted`);
      }
      phases[name] = { rollingRestartSeconds: (Date.now() - t0) / 1000 };
      if (name === 'ledger') {
        // Once more, abruptly: the replica with the most open streams dies mid-stream.
        const counts = await Promise.all(stack.replicas('ledger').map(openStreams));
        const victim = counts[1]! > counts[0]! ? 1 : 0;
        const cutBefore = feeds.reduce((n, f) => n + f.feed.cut, 0);
        const t1 = Date.now();
        await stack.restart('ledger', { replica: victim, signal: 'SIGKILL' });
        await flowing(5, 'payments after the ledger SIGKILL');
        // The cut streams reconnect (through the proxy, to whichever replica answers) from their tokens.
        await waitFor(() => (feeds.reduce((n, f) => n + f.feed.cut, 0) > cutBefore ? true : undefined), {
          timeoutMs: 30_000,
          what: 'the killed replica’s streams seen cut',
        });
        phases.ledgerSigkill = {
          replica: victim,
          streamsOnVictim: counts[victim],
          streamsPerReplica: counts,
          seconds: (Date.now() - t1) / 1000,
        };
      }
    }
    await flowing(10, 'payments after every rolling restart');
    const paid = await s.stop();
    const t2 = Date.now();
    const c = await conservation(ctx, mongoUrl, 240_000);
    const caughtUp = (Date.now() - t2) / 1000;
    const verify = await ledgerCheck(stack, mongoUrl, 'verify');

    // market-insights: today's payments in the market, each once (only the scenario's stalls are paid).
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
    const insights = await waitFor(
      async () => {
        const r = await ok(
          'GET',
          `${stack.urls.insights}/markets/${MARKET}/stats/payments?period=day&date=${day}`,
          undefined,
          ctx.manager,
        );
        const t = r.totals as { paymentCount: number; paymentValue: number };
        return t.paymentCount >= c.payments ? t : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: 'market-insights to count every payment' },
    );

    // Every feed: each of its stall's payments exactly once, counted (no dedupe), in seq order.
    const ledgerIds = new Map<string, string[]>();
    for (const st of followed) ledgerIds.set(st.merchantId, (await ledgerCredits(ctx, st.merchantId)).entryIds);
    await waitFor(
      () =>
        feeds.every((f) => named(f.feed.events, 'payment').length >= ledgerIds.get(f.stall.merchantId)!.length)
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 500, what: 'every feed to carry every payment of its stall' },
    ).catch(() => undefined); // asserted below with the numbers
    await new Promise((r) => setTimeout(r, 2_000)); // anything sent twice late would arrive now
    await Promise.all(feeds.map((f) => f.feed.stop()));
    const feedReport = feeds.map((f) => {
      const payments = named(f.feed.events, 'payment');
      const got = payments.map((p) => String(p.data.entryId));
      const counts = new Map<string, number>();
      for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
      const expected = ledgerIds.get(f.stall.merchantId)!;
      const seqs = payments.map((p) => Number(p.id));
      return {
        stall: f.stall.stallCode,
        expected: expected.length,
        received: got.length,
        duplicates: [...counts.values()].filter((n) => n > 1).length,
        missing: expected.filter((id) => !counts.has(id)).length,
        unknown: got.filter((id) => !expected.includes(id)).length,
        inOrder: seqs.every((q, i) => i === 0 || q > seqs[i - 1]!),
        connects: f.feed.connects,
        ended: f.feed.ended,
        cut: f.feed.cut,
        resets: named(f.feed.events, 'reset').length,
        failures: f.feed.failures.length,
      };
    });
    report('9 two replicas of every service, rolling restart under load', {
      ...streamOutcome(s, c),
      phases,
      ledgerCheck: c.ledgerCheck,
      ledgerVerify: verify.code,
      insights,
      feeds: feedReport,
      caughtUpSecondsAfterStream: caughtUp,
      seconds: (Date.now() - started) / 1000,
    });
    // Money: every payment the bank booked posted once, conserved to the đồng (conservation() also requires
    // bank = ledger = settlement per stall and a clean ledger check).
    expectConserved(c, paid);
    expect(c.ledgerCheck).toBe(0);
    expect(verify.code).toBe(0);
    expect(insights).toMatchObject({ paymentCount: c.payments, paymentValue: c.total });
    // Streams: each payment once to each feed, and every feed reconnected (each ledger replica was restarted).
    for (const f of feedReport) {
      expect(f).toMatchObject({ duplicates: 0, missing: 0, unknown: 0, inOrder: true, resets: 0 });
      expect(f.received).toBe(f.expected);
      expect(f.connects).toBeGreaterThanOrEqual(2);
    }
    expect(feedReport.reduce((n, f) => n + f.cut, 0)).toBeGreaterThan(0);
    expect(stack.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null)).toHaveLength(
      1 + 10 + 1,
    );
  });
});
