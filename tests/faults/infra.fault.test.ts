/**
 * Fault scenarios 2 and 3:
 *   2. two replicas of payment-ledger and of settlement in the same consumer groups (partitions split between them);
 *      the simulator notifies BOTH ledger replicas of every credit (the same webhook served by either replica, here
 *      concurrently), and one replica of each is SIGKILLed mid-stream; the survivors take the partitions over.
 *      On the shared broker and database.
 *   3. the Kafka broker restarted mid-stream, then the MongoDB-wire server (FerretDB) restarted mid-stream, on a
 *      PRIVATE pair (own MARKETQR_STATE and ports, through infra/local/infra.sh; the shared infrastructure on
 *      9092/27017 is never touched) with the whole system pointed at it; the services recover by themselves.
 * Each ends with conservation for every stall (bank = ledger = settlement = paid out + pending + fees, no duplicates,
 * ledger check clean).
 */
import { testInfra, waitFor } from '@marketqr/test-harness';
import type { ServiceProcess } from '../support/service-process';
import { startStack, type Stack } from '../support/system-stack';
import {
  allReady,
  context,
  conservation,
  expectConserved,
  http,
  ok,
  processAlive as alive,
  report,
  stream,
  streamOutcome,
  type Ctx,
} from './support/faults';
import { privateInfra, type PrivateInfra } from './support/private-infra';

jest.setTimeout(300_000);

/** Each process's latest partition assignment per consumer group, from its "joined consumer group" log lines. */
function assignments(p: ServiceProcess): Record<string, number> {
  const latest: Record<string, number> = {};
  for (const line of p.logs().split('\n')) {
    if (!line.includes('joined consumer group')) continue;
    try {
      const j = JSON.parse(line) as { groupId?: string; assignment?: Record<string, number[]> };
      if (!j.groupId) continue;
      latest[j.groupId] = Object.values(j.assignment ?? {}).reduce((n, ps) => n + ps.length, 0);
    } catch {}
  }
  return latest;
}
const owned = (p: ServiceProcess) => Object.values(assignments(p)).reduce((n, x) => n + x, 0);

// ---------------------------------------------------------------------------------------------------------------------

describe('2. two replicas of ledger and settlement, one of each SIGKILLed', () => {
  let stack: Stack;
  let ctx: Ctx;

  beforeAll(async () => {
    stack = await startStack({
      label: 'fault_replicas',
      web: false,
      env: { settlement: { SETTLEMENT_SCHEDULER: 'off' } },
    });
    ctx = await context(stack, 8);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('partitions split, both ledger replicas notified, one replica of each killed: no double posting', async () => {
    const started = Date.now();
    const ledger1 = stack.proc('ledger');
    const settle1 = stack.proc('settlement');
    const [ledger2, settle2] = await Promise.all([stack.addReplica('ledger'), stack.addReplica('settlement')]);
    // The same notifications to the second replica too: every credit reaches both replicas (and races on them).
    await ok('POST', `${stack.urls.bank}/__admin/webhooks`, {
      id: 'payment-ledger-2',
      url: `${ledger2.url}/webhooks/bank-sim`,
      provider: 'bank-sim',
      secret: stack.webhookSecret,
    });
    // Both replicas of each service own partitions (the group rebalanced when the second one joined).
    const split = await waitFor(
      () => {
        const a = {
          ledger1: owned(ledger1),
          ledger2: owned(ledger2),
          settle1: owned(settle1),
          settle2: owned(settle2),
        };
        return Object.values(a).every((n) => n > 0) ? a : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'partitions split between the two replicas of each service' },
    );

    const s = stream(ctx, 150);
    await waitFor(() => s.paid.length >= 20, { timeoutMs: 60_000, what: 'payments flowing to both replicas' });
    const beforeKill = s.paid.length;
    await stack.kill(ledger2, 'SIGKILL');
    const ledgerKilledAt = Date.now();
    await waitFor(() => s.paid.length >= beforeKill + 10, {
      timeoutMs: 60_000,
      what: 'payments after the ledger kill',
    });
    await stack.kill(settle2, 'SIGKILL');
    const settleKilledAt = Date.now();
    // The dead ledger replica leaves the "load balancer": its endpoint is removed (its unfinished deliveries are
    // cancelled; the same notifications reach the surviving replica through the first endpoint anyway).
    await waitFor(() => s.paid.length >= beforeKill + 20, {
      timeoutMs: 60_000,
      what: 'payments after the settlement kill',
    });
    await ok('DELETE', `${stack.urls.bank}/__admin/webhooks/payment-ledger-2`);
    // The survivors take every partition over once the dead members' sessions expire (30 s).
    const takeover = await waitFor(
      () => {
        const l = owned(ledger1);
        const st = owned(settle1);
        return l >= split.ledger1 + split.ledger2 && st >= split.settle1 + split.settle2
          ? { ledger1: l, settle1: st }
          : undefined;
      },
      { timeoutMs: 75_000, intervalMs: 500, what: 'the survivors to own every partition' },
    );
    const takeoverSeconds = {
      ledger: (Date.now() - ledgerKilledAt) / 1000,
      settlement: (Date.now() - settleKilledAt) / 1000,
    };
    const afterTakeover = s.paid.length;
    await waitFor(() => s.paid.length >= afterTakeover + 15, {
      timeoutMs: 60_000,
      what: 'payments after the takeover',
    });
    const paid = await s.stop();
    const t1 = Date.now();
    const c = await conservation(ctx, testInfra().mongoUrl, 120_000);
    const caughtUp = (Date.now() - t1) / 1000;
    const { deliveries } = await ok('GET', `${stack.urls.bank}/__admin/webhook-deliveries?endpointId=payment-ledger-2`);
    const second = { delivered: 0, cancelled: 0, other: 0 };
    for (const d of deliveries as { status: string }[]) {
      if (d.status === 'delivered') second.delivered++;
      else if (d.status === 'cancelled') second.cancelled++;
      else second.other++;
    }
    report('2 two replicas, one of each SIGKILLed', {
      ...streamOutcome(s, c),
      partitionsBeforeKill: split,
      partitionsAfterTakeover: takeover,
      takeoverSecondsAfterKill: takeoverSeconds,
      deliveriesToSecondReplica: second,
      caughtUpSecondsAfterStream: caughtUp,
      seconds: (Date.now() - started) / 1000,
    });
    expectConserved(c, paid);
    expect(second.delivered).toBeGreaterThan(0);
    expect(alive(ledger1) && alive(settle1)).toBe(true);
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------------------------------

describe('3. Kafka restarted, then FerretDB restarted, on a private pair', () => {
  // Private ports far from the shared 9092/27017 and a state folder of this run's own (support/private-infra.ts).
  let pair: PrivateInfra;
  let stack: Stack;
  let ctx: Ctx;

  beforeAll(async () => {
    pair = await privateInfra('infra');
    await pair.start();
    stack = await startStack({
      label: 'fault_infra',
      web: false,
      infra: { kafkaBrokers: pair.brokers, mongoUrl: pair.mongoUrl },
    });
    ctx = await context(stack, 8);
  }, 420_000);
  afterAll(async () => {
    await stack?.stop();
    await pair?.stop();
  });

  const ledgerReady = async () => {
    const r = await http('GET', `${stack.urls.ledger}/readyz`, { timeoutMs: 3_000 }).catch(() => undefined);
    return r?.status === 200;
  };

  test('the broker and the database each restarted mid-stream; the system recovers; conservation', async () => {
    const started = Date.now();
    const s = stream(ctx, 200);
    const phases: Record<string, unknown> = {};
    for (const component of ['kafka', 'mongo'] as const) {
      const before = s.paid.length;
      await waitFor(() => s.paid.length >= before + 10, {
        timeoutMs: 60_000,
        what: `payments before the ${component} restart`,
      });
      const t0 = Date.now();
      await pair.run(['stop', component]);
      const stoppedIn = (Date.now() - t0) / 1000;
      // The outage is seen (readiness fails), and payments keep being booked at the bank meanwhile.
      await waitFor(async () => ((await ledgerReady()) ? undefined : true), {
        timeoutMs: 45_000,
        intervalMs: 250,
        what: `payment-ledger /readyz to fail with ${component} down`,
      });
      const down = s.paid.length;
      // The outage's length is the point: at least 15 s down (and 15 payments booked meanwhile), polled.
      await waitFor(() => s.paid.length >= down + 15 && Date.now() - t0 >= 15_000, {
        timeoutMs: 60_000,
        what: `15 s and payments while ${component} is down`,
      });
      const paidWhileDown = s.paid.length - down;
      const downSeconds = (Date.now() - t0) / 1000;
      const t1 = Date.now();
      await pair.run(['start', component]);
      const startedIn = (Date.now() - t1) / 1000;
      const readyIn = await allReady(stack, 90_000, `every service ready again after ${component} came back`);
      phases[component] = {
        stopSeconds: stoppedIn,
        downSeconds,
        paidWhileDown,
        startSeconds: startedIn,
        servicesReadySecondsAfterStart: readyIn,
      };
      expect(stack.processes.filter((p) => !alive(p))).toEqual([]);
    }
    const after = s.paid.length;
    await waitFor(() => s.paid.length >= after + 15, { timeoutMs: 60_000, what: 'payments after both restarts' });
    const paid = await s.stop();
    const t2 = Date.now();
    const c = await conservation(ctx, pair.mongoUrl, 120_000);
    const caughtUp = (Date.now() - t2) / 1000;
    report('3 Kafka restarted, FerretDB restarted (private pair)', {
      ...streamOutcome(s, c),
      phases,
      caughtUpSecondsAfterStream: caughtUp,
      seconds: (Date.now() - started) / 1000,
    });
    expectConserved(c, paid);
  }, 240_000);
});
