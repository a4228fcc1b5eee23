/**
 * Fault scenarios 8a–8c, on a PRIVATE three-broker KRaft cluster (infra/local/infra.sh --brokers 3: three combined
 * broker/controller nodes, all voters, topics with 3 replicas and min.insync.replicas 2) and a private FerretDB, on
 * ports of their own, with the whole system on it as processes and a steady stream of shopper payments (signed
 * webhooks from the bank simulator):
 *   8a. one broker SIGKILLed: the controller fences it and its partitions get other leaders; it is started again and
 *       rejoins every in-sync set;
 *   8b. the broker that leads most of the payment topic's partitions SIGKILLed (found with fetchTopicMetadata), then
 *       started again;
 *   8c. two brokers SIGKILLed: with one broker alive no acks=all write can be acknowledged (the in-sync set cannot
 *       shrink without a controller majority, and min.insync.replicas is 2), so no producer is told a write is safe:
 *       the ledger keeps storing notifications (webhooks are acknowledged once stored in its inbox) and the vendor
 *       streams announce only stored payments, but no payment event reaches a consumer until one broker returns.
 * After each: conservation to the đồng (bank = ledger = settlement), no duplicate entry, ledger check and verify
 * clean, every vendor stream caught up (every posted payment announced once, in order), and the payment topic
 * carrying every payment.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { createIdempotentProducer, createKafka, ensureTopics } from '@marketqr/messaging';
import { TOPICS } from '@marketqr/contracts';
import { createLogger } from '@marketqr/service-kit';
import { collectTopic, waitFor, waitForProgress, type CollectedMessage } from '@marketqr/test-harness';
import { startStack, type Stack } from '../support/system-stack';
import {
  context,
  conservation,
  deliveryCounts,
  ledgerCredits,
  processAlive,
  report,
  settlementSummary,
  stream,
  sumOf,
  vendorStreamState,
  vendorStreams,
  vendorsCaughtUp,
  type Ctx,
  type Paid,
  type VendorStreams,
} from './support/faults';
import { privateInfra, type PartitionState, type PrivateInfra } from './support/private-infra';

// A bound for a broken run only: every wait inside polls for its condition. 8c on a loaded 2-core machine took 10 min.
jest.setTimeout(1_200_000);

const logger = createLogger('fault-cluster', 'silent');
const PROBE_TOPIC = 'fault-probe.v1';

let cluster: PrivateInfra;
let stack: Stack;
let ctx: Ctx;
let vendors: VendorStreams;
let paymentTopic: string;
let collected: { messages: CollectedMessage[]; stop: () => Promise<void> } | undefined;
/** Every payment the scenarios made, in order: conservation compares the whole history each time. */
const allPaid: Paid[] = [];

beforeAll(async () => {
  cluster = await privateInfra('cluster', 3);
  await cluster.start();
  stack = await startStack({
    label: 'fault_cluster',
    web: false,
    infra: { kafkaBrokers: cluster.brokers, mongoUrl: cluster.mongoUrl },
    env: { settlement: { SETTLEMENT_SCHEDULER: 'off' } },
  });
  ctx = await context(stack, 8);
  paymentTopic = stack.prefix + TOPICS.paymentEvents.name;
  // A topic of the test's own for produce probes: a probe appended but never acknowledged during 8c becomes readable
  // once the cluster recovers, and must not be a message any service consumes. Created like the services' (RF -1).
  await cluster.withAdmin((admin) => ensureTopics(admin, [{ name: PROBE_TOPIC, partitions: 3 }], stack.prefix));
  vendors = vendorStreams(ctx);
  // A consumer of the payment topic of the test's own: what reaches consumers, counted by payment id.
  collected = await collectTopic(cluster.brokers, paymentTopic);
}, 600_000);

afterAll(async () => {
  vendors?.close();
  await collected?.stop().catch(() => undefined);
  await stack?.stop();
  await cluster?.stop();
});

/** Payments the payment topic has delivered to the test's consumer (payment.confirmed / payment.flagged). */
function announcedOnTopic(): number {
  const ids = new Set<string>();
  for (const m of collected?.messages ?? []) {
    const v = m.value as { type?: string; data?: { paymentId?: string } };
    if ((v.type === 'payment.confirmed' || v.type === 'payment.flagged') && v.data?.paymentId)
      ids.add(v.data.paymentId);
  }
  return ids.size;
}

const topics = () => cluster.topicsOf(stack.prefix);
const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** Waits until all three brokers are registered and every partition (the system's and the offsets') has all three in sync. */
async function fullyReplicated(what: string, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    async () => {
      const brokers = (await cluster.withAdmin((a) => a.describeCluster())).brokers.length;
      const parts = await cluster.partitions(await topics());
      return brokers === 3 && parts.length > 0 && parts.every((p) => p.leader >= 0 && p.isr.length === 3);
    },
    { timeoutMs, intervalMs: 1_000, what },
  );
  return seconds(t0);
}

function leaderCounts(parts: PartitionState[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const p of parts) by[cluster.nodeOf(p.leader)] = (by[cluster.nodeOf(p.leader)] ?? 0) + 1;
  return by;
}

/** Ledger payment postings and settlement credits (đồng) over the scenario's stalls. */
async function ledgerPosted(): Promise<number> {
  let n = 0;
  for (const st of ctx.stalls) n += (await ledgerCredits(ctx, st.merchantId)).count;
  return n;
}
async function settlementCredits(): Promise<number> {
  let n = 0;
  for (const st of ctx.stalls) n += (await settlementSummary(ctx, st.merchantId)).credits;
  return n;
}

/**
 * One acks=all write to each partition of the probe topic, with a fresh idempotent producer (the services' own
 * factory) whose retries are short, each bounded by a deadline: what the brokers acknowledge right now.
 */
async function probeWrites(): Promise<{ acknowledged: number; refused: number; errors: string[] }> {
  const kafka = createKafka({
    brokers: cluster.brokers,
    clientId: 'fault-probe',
    logger,
    kafkaLogLevel: 'error',
    overrides: { retry: { retries: 2, initialRetryTime: 200 }, requestTimeout: 15_000 },
  });
  const producer = createIdempotentProducer(kafka);
  const errors: string[] = [];
  const bounded = <T>(p: Promise<T>, ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  };
  // A failed InitProducerId leaves the producer usable (kafkajs retries it on send): the sends decide.
  await bounded(producer.connect(), 30_000).catch((e: Error) => errors.push(`connect: ${e.message}`));
  const results = await Promise.allSettled(
    [0, 1, 2].map((partition) =>
      bounded(
        producer.send({
          topic: stack.prefix + PROBE_TOPIC,
          // How long a broker may wait for the in-sync replicas before it answers REQUEST_TIMED_OUT.
          timeout: 5_000,
          messages: [{ partition, value: `probe ${new Date().toISOString()}` }],
        }),
        60_000,
      ),
    ),
  );
  void bounded(producer.disconnect(), 10_000).catch(() => undefined);
  for (const r of results) if (r.status === 'rejected') errors.push(String((r.reason as Error).message).slice(0, 160));
  const acknowledged = results.filter((r) => r.status === 'fulfilled').length;
  return { acknowledged, refused: results.length - acknowledged, errors: [...new Set(errors)] };
}

/**
 * Stops the stream and measures everything a scenario ends with: the numbers for its report, and `verify()` with the
 * assertions (called after the report is written, so a failed run still reports what it saw).
 */
async function settleAndCheck(s: ReturnType<typeof stream>) {
  const paid = await s.stop();
  allPaid.push(...paid);
  const t0 = Date.now();
  let failure: Error | undefined;
  // A backlog (8c's outage leaves hundreds of events to publish and consume) drains at the pace of a busy machine:
  // wait for the ledger, then settlement, to count every payment for as long as they make progress, then compare.
  await waitForProgress(ledgerPosted, allPaid.length, { stallMs: 90_000, intervalMs: 2_000, what: 'ledger postings' })
    .then(() =>
      waitForProgress(settlementCredits, sumOf(allPaid), {
        stallMs: 90_000,
        intervalMs: 2_000,
        what: 'settlement credits (đồng)',
      }),
    )
    .catch((e: Error) => (failure = e));
  const c = await conservation(ctx, cluster.mongoUrl, 120_000, { verify: true }).catch((e: Error) => {
    failure ??= e;
    return undefined;
  });
  const conservedAfter = seconds(t0);
  const streams = await vendorsCaughtUp(ctx, vendors, 120_000).catch((e: Error) => {
    failure ??= e;
    return undefined;
  });
  const streamsAfter = seconds(t0);
  const onTopic = await waitFor(() => (announcedOnTopic() >= allPaid.length ? announcedOnTopic() : undefined), {
    timeoutMs: 120_000,
    what: 'the payment topic to carry every payment',
  }).catch(() => announcedOnTopic());
  const numbers = {
    scenarioPayments: paid.length,
    streamErrors: s.errors.length,
    streamErrorSamples: [...new Set(s.errors.map((e) => e.slice(0, 160)))].slice(0, 3),
    payments: c?.payments,
    total: c?.total,
    duplicates: c?.duplicates,
    deliveries: c?.deliveries,
    firstLedgerCheck: c?.firstLedgerCheck,
    ledgerVerify: c?.ledgerVerify,
    conservedSecondsAfterStream: conservedAfter,
    vendorStreams: streams && {
      ...streams,
      reconnects: vendors.reconnects(),
      caughtUpSecondsAfterStream: streamsAfter,
    },
    paymentsOnTopic: onTopic,
    ...(failure ? { failure: failure.message.slice(0, 3_000) } : {}),
  };
  const verify = () => {
    if (failure) throw failure;
    expect(c!.duplicates).toBe(0);
    expect(c!.payments).toBe(allPaid.length);
    expect(c!.total).toBe(sumOf(allPaid));
    expect(c!.ledgerCheck).toBe(0);
    expect(c!.ledgerVerify).toBe(0);
    expect(streams).toMatchObject({ missing: 0, notStored: 0, duplicates: 0, outOfOrder: 0 });
    expect(streams!.announced).toBe(allPaid.length);
    expect(onTopic).toBe(allPaid.length);
    expect(stack.processes.filter((p) => !processAlive(p)).map((p) => p.name)).toEqual([]);
  };
  return { numbers, verify };
}

/** Kills one broker mid-stream, waits for its partitions to move, restarts it, waits for it to be back in sync. */
async function killOneBroker(victim: string, offset: number) {
  const s = stream(ctx, 200, offset);
  const flowing = s.paid.length;
  await waitFor(() => s.paid.length >= flowing + 10, { timeoutMs: 60_000, what: 'payments flowing' });
  const id = cluster.nodeId(victim);
  const before = await cluster.partitions(await topics());
  const paymentBefore = before.filter((p) => p.topic === paymentTopic);
  await cluster.run(['kill', victim]);
  const killedAt = Date.now();
  // The controller fences the dead broker after its session timeout and elects leaders among the in-sync survivors.
  const after = await waitFor(
    async () => {
      const parts = await cluster.partitions(await topics());
      return parts.every((p) => p.leader >= 0 && p.leader !== id && !p.isr.includes(id)) ? parts : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `every partition led by and in sync without ${victim}` },
  );
  const movedSeconds = seconds(killedAt);
  // The system works on two brokers: payments made now reach consumers through the new leaders.
  const atMove = s.paid.length;
  const known = allPaid.length;
  await waitFor(() => s.paid.length >= atMove + 10 && announcedOnTopic() >= known + atMove + 5, {
    timeoutMs: 120_000,
    what: `payments made after the move to reach the payment topic's consumers with ${victim} down`,
  });
  const downSeconds = seconds(killedAt);
  const paidWhileDown = s.paid.length - atMove;
  const t1 = Date.now();
  await cluster.run(['start', victim]);
  const startSeconds = seconds(t1);
  const inSyncSeconds = await fullyReplicated(`${victim} back in every in-sync set`);
  const more = s.paid.length;
  await waitFor(() => s.paid.length >= more + 10, { timeoutMs: 60_000, what: 'payments after the restart' });
  return {
    s,
    numbers: {
      victim,
      ledBefore: before.filter((p) => p.leader === id).length,
      paymentTopicLeadersBefore: Object.fromEntries(paymentBefore.map((p) => [p.partition, cluster.nodeOf(p.leader)])),
      paymentTopicLeadersAfter: Object.fromEntries(
        after.filter((p) => p.topic === paymentTopic).map((p) => [p.partition, cluster.nodeOf(p.leader)]),
      ),
      partitions: before.length,
      leadershipMovedSecondsAfterKill: movedSeconds,
      paidWhileDown,
      downSeconds,
      startSeconds,
      inSyncSecondsAfterStart: inSyncSeconds,
    },
  };
}

test('8. the cluster: three voters, topics with 3 replicas and min.insync.replicas 2', async () => {
  const parts = await cluster.partitions(await topics());
  expect(parts.filter((p) => p.topic === paymentTopic)).toHaveLength(TOPICS.paymentEvents.partitions);
  // The services' topics (created with replicationFactor -1) and the consumer offsets: three copies each.
  expect(parts.filter((p) => p.replicas.length !== 3)).toEqual([]);
  expect(parts.some((p) => p.topic === '__consumer_offsets')).toBe(true);
  const configs = await cluster.withAdmin((admin) =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: paymentTopic, configNames: ['min.insync.replicas'] }],
    }),
  );
  expect(configs.resources[0]!.configEntries[0]!.configValue).toBe('2');
  await fullyReplicated('a healthy cluster');
});

test('8a. one broker SIGKILLed mid-stream: leadership moves, it restarts and rejoins; nothing lost or doubled', async () => {
  const started = Date.now();
  await fullyReplicated('a healthy cluster before 8a');
  const { s, numbers } = await killOneBroker('kafka-2', 0);
  const checked = await settleAndCheck(s);
  report('8a one broker SIGKILLed and restarted (3-broker cluster)', {
    ...numbers,
    ...checked.numbers,
    seconds: seconds(started),
  });
  checked.verify();
});

test('8b. the leader of the payment topic SIGKILLed mid-stream: new leaders, restart; nothing lost or doubled', async () => {
  const started = Date.now();
  await fullyReplicated('a healthy cluster before 8b');
  // The broker that leads most of the payment topic's partitions now (8a's restart leaves kafka-2 leading none).
  const leaders = leaderCounts(await cluster.partitions([paymentTopic]));
  const victim = Object.entries(leaders).sort((a, b) => b[1] - a[1])[0]![0];
  const { s, numbers } = await killOneBroker(victim, 10_000);
  const checked = await settleAndCheck(s);
  report('8b payment topic leader SIGKILLed and restarted (3-broker cluster)', {
    paymentLeadersPerBroker: leaders,
    ...numbers,
    ...checked.numbers,
    seconds: seconds(started),
  });
  checked.verify();
});

test('8c. two brokers SIGKILLed: no write acknowledged, no payment event consumed, none lost; recovers with one back', async () => {
  const started = Date.now();
  await fullyReplicated('a healthy cluster before 8c');
  const healthy = await probeWrites();
  expect(healthy).toMatchObject({ acknowledged: 3, refused: 0 });
  const s = stream(ctx, 200, 20_000);
  await waitFor(() => s.paid.length >= 10, { timeoutMs: 60_000, what: 'payments flowing' });
  // Keep the broker that leads most payment partitions: its partitions take writes it can never get acknowledged.
  const leaders = leaderCounts(await cluster.partitions([paymentTopic]));
  const survivor = Object.entries(leaders).sort((a, b) => b[1] - a[1])[0]![0];
  const victims = cluster.nodes.filter((n) => n !== survivor);
  await Promise.all(victims.map((v) => cluster.run(['kill', v])));
  const killedAt = Date.now();
  const deliveredAtKill = (await deliveryCounts(stack)).delivered ?? 0;

  // Producers are refused: nothing is acknowledged with one broker alive.
  const refused = await probeWrites();
  // The ledger goes on storing what the bank sends (and acknowledging it), while consumers get nothing new. The first
  // look is taken once what Kafka acknowledged before the kill has had 15 s to be consumed.
  const posted0 = await ledgerPosted();
  await waitFor(async () => Date.now() - killedAt >= 15_000 && (await ledgerPosted()) >= posted0 + 10, {
    timeoutMs: 120_000,
    what: 'the ledger to store payments with one broker alive',
  });
  const first = { settlement: await settlementCredits(), onTopic: announcedOnTopic(), posted: await ledgerPosted() };
  const t1 = Date.now();
  await waitFor(async () => Date.now() - t1 >= 10_000 && (await ledgerPosted()) >= first.posted + 10, {
    timeoutMs: 120_000,
    what: 'ten more payments stored with one broker alive',
  });
  const second = { settlement: await settlementCredits(), onTopic: announcedOnTopic(), posted: await ledgerPosted() };
  // What vendors were told so far: only payments the ledger holds.
  const streamsDuringOutage = await vendorStreamState(ctx, vendors);
  const refusedAgain = await probeWrites();
  const webhooksAcknowledgedWhileDown = ((await deliveryCounts(stack)).delivered ?? 0) - deliveredAtKill;
  const outageSeconds = seconds(killedAt);

  // One broker returns: a controller majority again, the dead one fenced, the in-sync sets shrink to the two live
  // brokers (still min.insync.replicas), and writes are acknowledged again.
  const back = victims[0]!;
  const t2 = Date.now();
  await cluster.run(['start', back]);
  const startSeconds = seconds(t2);
  await waitFor(async () => ((await probeWrites()).acknowledged === 3 ? true : undefined), {
    timeoutMs: 180_000,
    intervalMs: 1_000,
    what: `acks=all writes acknowledged again with ${survivor} and ${back}`,
  });
  const writesAckedSecondsAfterStart = seconds(t2);
  const resumed = s.paid.length;
  await waitFor(() => s.paid.length >= resumed + 10, { timeoutMs: 60_000, what: 'payments after the recovery' });
  // Everything is checked with two brokers: recovery does not wait for the third.
  const checked = await settleAndCheck(s);
  const last = victims[1]!;
  const t3 = Date.now();
  await cluster.run(['start', last]);
  const lastInSync = await fullyReplicated(`${last} back in every in-sync set`);
  report('8c two brokers SIGKILLed, one back (3-broker cluster)', {
    survivor,
    killed: victims,
    probeBeforeKill: healthy,
    probeWithOneBroker: refused,
    probeWithOneBrokerLater: refusedAgain,
    duringOutage: { first, second, streams: streamsDuringOutage, webhooksAcknowledgedWhileDown, outageSeconds },
    returned: back,
    startSeconds,
    writesAckedSecondsAfterStart,
    ...checked.numbers,
    lastBrokerBackInSyncSeconds: seconds(t3),
    lastInSyncAfterStartSeconds: lastInSync,
    seconds: seconds(started),
  });
  checked.verify();
  expect(refused.acknowledged).toBe(0);
  expect(refusedAgain.acknowledged).toBe(0);
  // Stored and acknowledged at the bank meanwhile, announced to vendors only once stored, consumed by nobody.
  expect(second.posted).toBeGreaterThan(first.posted);
  expect(second.settlement).toBe(first.settlement);
  expect(second.onTopic).toBe(first.onTopic);
  expect(streamsDuringOutage.notStored).toBe(0);
  expect(webhooksAcknowledgedWhileDown).toBeGreaterThan(0);
});
