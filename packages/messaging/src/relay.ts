import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { Connection, mongo } from 'mongoose';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { createLease } from '@marketqr/mongo';
import { Wakeup, type Resource } from '@marketqr/service-kit';
import { MetricsHolder, withPrefix } from './metrics';
import { RenewableProducer } from './renewable-producer';
import {
  createOutbox,
  OUTBOX_COLLECTION,
  WRITE_IDS_FIELD,
  outboxModel,
  type Outbox,
  type OutboxRecord,
} from './outbox';

export interface OutboxRelayOptions {
  kafka: Kafka;
  /** The service's own database: the `outbox` collection and the aggregates it verifies against. */
  db: Connection;
  logger: Logger;
  topicPrefix?: string;
  /** Publish with this producer instead of creating one (it must be idempotent; the relay will not disconnect it). */
  producer?: Producer;
  /** How often to look for ready events when nobody nudges. */
  pollIntervalMs?: number;
  /**
   * Leadership lease: one replica publishes at a time. If it dies, another takes over this much later at most and
   * re-publishes whatever the dead one had published but not yet deleted.
   */
  leaseMs?: number;
  /** Records read per cycle. */
  batchSize?: number;
  /**
   * After a cycle that published, wait this long before the next read, so that one read, one Kafka send and one
   * delete carry the group commits of that time instead of one each. 0 (the default) reads again at once; see
   * `markerLingerMs` (outbox.ts) for where a linger paid and where it did not.
   */
  lingerMs?: number;
  /** The outbox's `markerLingerMs`, for `createOutboxWithRelay`. */
  markerLingerMs?: number;
  /** A record still `staged` after this long belongs to a writer that crashed: verify it against its aggregate. */
  verifyAfterMs?: number;
  /** Identifies this replica in the lease; default host-pid-random. */
  relayId?: string;
  /** Lease name: replicas with the same name (in one database) share the work. */
  name?: string;
  registry?: Registry;
  /**
   * Fault injection for tests: runs after Kafka acknowledged a batch and before its records are deleted. Throwing here
   * is what a crash at that instant looks like: the records stay, the lease is kept until it expires.
   */
  faults?: { afterPublish?: (eventIds: string[]) => void | Promise<void> };
}

export interface OutboxRelay extends Resource {
  /** Wake the relay now (the Outbox's `onReady` does this) instead of waiting for the next poll. */
  nudge(): void;
  /** One lead-read-publish-delete pass. Returns how many records it settled (published or dropped). */
  runOnce(): Promise<number>;
  /** Send the relay's metrics to the service's registry (runService creates it after `setup`: call in `mount`). */
  bindMetrics(registry: Registry): void;
  isLeader(): boolean;
  readonly relayId: string;
}

// Loose driver typing: aggregates are the services' own shapes; only `_id` and the writeIds matter here.
type Doc = mongo.Document;

/**
 * Publishes the outbox's ready records to Kafka, in order, then deletes them. See outbox.ts for how records are written.
 *
 * Guarantees:
 * - At least once: a record is deleted only after Kafka acknowledged it. A crash in between re-publishes it (after the
 *   lease expires, by whichever replica leads next); consumers drop the duplicate by eventId.
 * - Order per key: one replica leads at a time (a lease document taken by insert, the one write FerretDB keeps atomic
 *   under concurrency), it reads records by (enqueuedAt, seq), stops a key at its first record whose write is still in
 *   flight, and sends with one request in flight, keyed by aggregateId. If a stalled leader wakes after losing the
 *   lease, it re-sends a snapshot that is in order; the first occurrence of each event (what deduplicating consumers
 *   act on) stays in order.
 * - The relay never writes an aggregate document, so it cannot clobber a service's concurrent update on FerretDB.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const relayId = opts.relayId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const leaseName = opts.name ?? 'outbox-relay';
  const log = opts.logger.child({ component: 'outbox-relay', relayId });
  const pollIntervalMs = opts.pollIntervalMs ?? 500;
  const leaseMs = opts.leaseMs ?? 15_000;
  const batchSize = opts.batchSize ?? 500;
  const lingerMs = opts.lingerMs ?? 0;
  const verifyAfterMs = opts.verifyAfterMs ?? 10_000;
  const metrics = new MetricsHolder(opts.registry);
  const records = outboxModel(opts.db);
  const outbox = records.collection as unknown as mongo.Collection<OutboxRecord>;
  // Taken by insert, renewed past half its life (an idle leader writes rarely), taken over once expired.
  const lease = createLease(opts.db, {
    collection: 'outbox_leases',
    name: leaseName,
    owner: relayId,
    ttlMs: leaseMs,
    logger: log,
  });

  // A new producer after a failed send: see RenewableProducer for why.
  const producer = new RenewableProducer({
    name: 'outbox relay',
    kafka: opts.kafka,
    given: opts.producer,
    logger: log,
  });
  let running = false;
  let loop: Promise<void> | undefined;
  const wakeup = new Wakeup();
  /** Whether the last cycle's read stopped at batchSize (more may be waiting). */
  let lastReadCutOff = false;
  let consecutiveFailures = 0;
  let lastError: Error | undefined;

  const nudge = () => wakeup.nudge();

  const idle = () => (running ? wakeup.wait(pollIntervalMs) : Promise.resolve());

  /** For staged records past verifyAfterMs: did their aggregate store the write? */
  async function verify(staged: OutboxRecord[]): Promise<{ publish: Set<string>; drop: Set<string> }> {
    const publish = new Set<string>();
    const drop = new Set<string>();
    const bySource = new Map<string, OutboxRecord[]>();
    for (const r of staged) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
    for (const [source, list] of bySource) {
      const docs = await opts.db
        .collection<Doc>(source)
        .find({
          _id: { $in: list.map((r) => r.docId) },
          [WRITE_IDS_FIELD]: { $in: list.map((r) => r.writeId) },
        } as mongo.Filter<Doc>)
        .project<{ _id: unknown; [WRITE_IDS_FIELD]?: string[] }>({ [WRITE_IDS_FIELD]: 1 })
        .toArray();
      const stored = new Set(docs.flatMap((d) => (d[WRITE_IDS_FIELD] ?? []).map((w) => `${String(d._id)}|${w}`)));
      for (const r of list) (stored.has(`${String(r.docId)}|${r.writeId}`) ? publish : drop).add(r._id);
    }
    return { publish, drop };
  }

  async function publish(batch: OutboxRecord[]): Promise<void> {
    // One topicMessages entry per topic, records in order: kafkajs keeps that order within each partition.
    const byTopic = new Map<string, Message[]>();
    for (const r of batch) {
      const topic = withPrefix(opts.topicPrefix, r.topic);
      const list = byTopic.get(topic) ?? [];
      list.push({
        key: r.key,
        value: r.payload,
        headers: { 'event-id': r._id, 'event-type': r.type, 'event-version': String(r.version) },
      });
      byTopic.set(topic, list);
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    const now = Date.now();
    for (const r of batch) {
      metrics.metrics.outboxPublished.inc({ topic: r.topic });
      metrics.metrics.outboxLag.observe(Math.max(0, now - r.enqueuedAt.getTime()) / 1000);
    }
  }

  /**
   * One `delete` command for a batch, one statement per write it came from (a ledger batch is one write): each
   * statement selects by `writeId`, an indexed equality, where one `$in` on `_id` reads the whole collection on
   * FerretDB. FerretDB runs a multi-statement delete safely (unlike updates: see packages/mongo's README).
   */
  async function deletePublished(published: OutboxRecord[]): Promise<void> {
    const byWrite = new Map<string, string[]>();
    for (const r of published) byWrite.set(r.writeId, [...(byWrite.get(r.writeId) ?? []), r._id]);
    await outbox.bulkWrite(
      [...byWrite].map(([writeId, ids]) => ({ deleteMany: { filter: { writeId, _id: { $in: ids } } } })),
      { ordered: false },
    );
  }

  async function runOnce(): Promise<number> {
    lastReadCutOff = false;
    if (!(await lease.hold())) return 0;
    const batch = await outbox.find({}).sort({ enqueuedAt: 1, seq: 1 }).limit(batchSize).toArray();
    const now = Date.now();
    metrics.metrics.outboxOldestPending.set(
      { collection: OUTBOX_COLLECTION },
      batch[0] ? Math.max(0, now - batch[0].enqueuedAt.getTime()) / 1000 : 0,
    );
    if (batch.length === 0) return 0;

    // Writes stored in one group commit say so with one marker (see outbox.ts): their staged records need no check.
    const committed = new Set(batch.filter((r) => r.state === 'commit').map((r) => r.writeId));
    const old = batch.filter(
      (r) => r.state === 'staged' && !committed.has(r.writeId) && now - r.enqueuedAt.getTime() >= verifyAfterMs,
    );
    const verdict = old.length ? await verify(old) : { publish: new Set<string>(), drop: new Set<string>() };
    if (verdict.drop.size) {
      await outbox.deleteMany({ _id: { $in: [...verdict.drop] } });
      metrics.metrics.outboxDropped.inc(verdict.drop.size);
      log.warn({ eventIds: [...verdict.drop] }, 'dropped staged events whose write never happened');
    }

    const blocked = new Set<string>();
    const ready: OutboxRecord[] = [];
    const waiting = new Set<string>();
    for (const r of batch) {
      if (r.state === 'commit' || verdict.drop.has(r._id)) continue;
      if (!blocked.has(r.key) && (r.state === 'ready' || committed.has(r.writeId) || verdict.publish.has(r._id))) {
        ready.push(r);
        continue;
      }
      // A write still in flight: later events of this key wait for it, whatever it turns out to be.
      if (r.state === 'staged' && !committed.has(r.writeId)) blocked.add(r.key);
      waiting.add(r.writeId);
    }
    // A marker goes once nothing of its write is left. When the read was cut off at batchSize, more of the write may
    // lie beyond it: the marker stays for the next cycle (it sorts first, so it is read again).
    const cutOff = batch.length >= batchSize;
    lastReadCutOff = cutOff;
    const finished = cutOff ? [] : batch.filter((r) => r.state === 'commit' && !waiting.has(r.writeId));
    if (ready.length) {
      // A leader that stalled past its lease must not publish a stale snapshot on top of its successor's work.
      if (!lease.held()) return 0;
      await publish(ready);
      await opts.faults?.afterPublish?.(ready.map((r) => r._id));
      log.debug({ events: ready.length }, 'relayed');
    }
    if (ready.length || finished.length) await deletePublished([...ready, ...finished]);
    return ready.length + verdict.drop.size + finished.length;
  }

  async function run(): Promise<void> {
    while (running) {
      wakeup.clear();
      let settled = 0;
      try {
        settled = await runOnce();
        consecutiveFailures = 0;
        lastError = undefined;
      } catch (err) {
        consecutiveFailures++;
        lastError = err as Error;
        metrics.metrics.outboxPublishFailures.inc();
        log.warn(
          { err: (err as Error).message, consecutiveFailures },
          'outbox relay cycle failed; events stay pending',
        );
      }
      // A read cut off at batchSize left records behind: go again at once. Otherwise everything there was has been
      // seen, and what is written meanwhile nudges the relay (idle() returns at once if it already did): one read per
      // group commit instead of one more that finds nothing. After a cycle that published, the next waits lingerMs
      // more: under load the writes of that time then share one read, one send and one delete (each costs a database
      // or broker round trip, whatever it carries), for at most that much later publication.
      if (running && settled > 0 && !lastReadCutOff && lingerMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, lingerMs));
      }
      if (running && !(settled > 0 && lastReadCutOff)) await idle();
    }
  }

  return {
    name: 'outbox-relay',
    relayId,
    nudge,
    runOnce,
    isLeader: () => lease.held(),
    bindMetrics: (registry) => metrics.bind(registry),
    async start() {
      if (running) return;
      await records.createCollection().catch((e: { codeName?: string }) => {
        if (e.codeName !== 'NamespaceExists') throw e;
      });
      await records.createIndexes();
      // A producer given by the caller is the caller's to manage (and is never disconnected by the relay).
      await producer.connect();
      running = true;
      loop = run();
      log.info({ pollIntervalMs, leaseMs, verifyAfterMs, lingerMs }, 'outbox relay started');
    },
    async stop() {
      running = false;
      wakeup.interrupt();
      // The cycle in hand finishes (publish and delete) before the producer goes.
      await loop;
      loop = undefined;
      // Hand over at once instead of making a standby wait for the lease to expire.
      await lease.release();
      await producer.disconnect();
    },
    async check() {
      if (!running) throw new Error('outbox relay not running');
      if (consecutiveFailures >= 3) throw new Error(`outbox relay failing: ${lastError?.message ?? 'unknown'}`);
    },
  };
}

/**
 * A service's outbox and the relay that publishes it, wired so that every write that readies events wakes the relay
 * at once instead of at its next poll.
 */
export function createOutboxWithRelay(opts: OutboxRelayOptions): { outbox: Outbox; relay: OutboxRelay } {
  const relay = createOutboxRelay(opts);
  const outbox = createOutbox(opts.db, {
    onReady: () => relay.nudge(),
    verifyAfterMs: opts.verifyAfterMs,
    markerLingerMs: opts.markerLingerMs,
  });
  // The last batches' commit markers are written before the relay's final cycle, which then publishes their events.
  const stop = relay.stop.bind(relay);
  relay.stop = async () => {
    await outbox.settled();
    await stop();
  };
  return { outbox, relay };
}
