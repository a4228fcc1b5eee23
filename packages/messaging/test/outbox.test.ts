import type { Admin, Kafka, KafkaMessage, Producer, ProducerConfig } from 'kafkajs';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import pino from 'pino';
import { TOPICS } from '@marketqr/contracts';
import { consumerOptions } from './test-support/consumers';
import { paymentEvent, type Payment } from './test-support/payments';
import { testInfra, uniqueName, waitFor } from '@marketqr/test-harness';
import {
  applyOnce,
  createEventConsumer,
  createKafka,
  createOutbox,
  createOutboxRelay,
  ensureTopics,
  outboxPlugin,
  toOutboxRecord,
  type EventConsumer,
  type Outbox,
  type OutboxRelay,
  type OutboxRelayOptions,
} from '../src/index';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const infra = testInfra();

interface Stall {
  _id: string;
  seq: number;
  outboxWriteIds?: string[];
}

let db: Connection;
let Stalls: Model<Stall>;
let outbox: Outbox;
let kafka: Kafka;
let admin: Admin;
let prefix: string;
let topic: string;
const started: { stop(): Promise<void> }[] = [];
const relays: OutboxRelay[] = [];

beforeEach(async () => {
  // A database per test: the relay lease and the outbox collection are per database.
  db = await mongoose.createConnection(infra.mongoUrl, { dbName: uniqueName('msg_outbox') }).asPromise();
  const schema = new Schema<Stall>({ _id: String, seq: { type: Number, default: 0 } });
  schema.plugin(outboxPlugin);
  Stalls = db.model<Stall>('Stall', schema);
  outbox = createOutbox(db, { onReady: () => relays.forEach((r) => r.nudge()) });
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'outbox-test', logger });
  admin = kafka.admin();
  await admin.connect();
  prefix = `${uniqueName('o')}.`;
  topic = prefix + TOPICS.paymentEvents.name;
  await ensureTopics(admin, [TOPICS.paymentEvents], prefix);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop().catch(() => undefined)));
  relays.splice(0);
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
  await db.dropDatabase();
  await db.close();
});

function payment(merchantId: string, seq: number): Payment {
  return paymentEvent(merchantId, {
    paymentId: `${merchantId}-p${seq}`,
    amount: 1_000 * seq,
    description: `seq:${seq}`,
  });
}

/** A state change and its event, as a service writes them. */
async function raise(stallId: string, seq: number): Promise<Payment> {
  const event = payment(stallId, seq);
  const res = await outbox.update(Stalls, {
    filter: { _id: stallId },
    update: { $set: { seq } },
    events: [event],
    upsert: true,
  });
  expect(res.written).toBe(true);
  return event;
}

async function relay(options: Partial<OutboxRelayOptions> = {}): Promise<OutboxRelay> {
  const r = createOutboxRelay({ kafka, db, logger, topicPrefix: prefix, pollIntervalMs: 50, ...options });
  started.push(r);
  relays.push(r);
  await r.start();
  return r;
}

async function reader(): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const c = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  started.push({ stop: () => c.disconnect() });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return messages;
}

const idOf = (m: KafkaMessage) => m.headers?.['event-id']?.toString() ?? '';
const drained = async () => (await outbox.model.countDocuments()) === 0;

describe('outbox and relay against the real broker and database', () => {
  it('stores a batch of aggregates with their events in one go; events of what was not stored are never published', async () => {
    await Stalls.create({ _id: 'taken', seq: 0 });
    const events = ['b1', 'b2', 'taken', 'b3'].map((id, i) => payment(id, i + 1));
    // Ordered: b1 and b2 go in, "taken" is refused, b3 is not tried.
    const results = await outbox.insertBatch(
      Stalls,
      ['b1', 'b2', 'taken', 'b3'].map((id, i) => ({ doc: { _id: id, seq: i + 1 }, events: [events[i]!] })),
      { ordered: true },
    );
    expect(results.map((r) => r.status)).toEqual(['inserted', 'inserted', 'duplicate', 'skipped']);
    // The batch answers once its documents and staged events are stored; its commit marker follows (settled()).
    expect(await Stalls.countDocuments({ _id: { $in: ['b1', 'b2'] } })).toBe(2);
    await outbox.settled();
    // The stored ones' records stay staged, and one commit marker says their write is stored: no record is updated.
    const records = await outbox.model.collection.find().toArray();
    const writeId = records[0]!.writeId as string;
    expect(records.map((r) => [r._id, r.state]).sort()).toEqual(
      [
        [events[0]!.eventId, 'staged'],
        [events[1]!.eventId, 'staged'],
        [`commit:${writeId}`, 'commit'],
      ].sort(),
    );
    expect(new Set(records.map((r) => r.writeId))).toEqual(new Set([writeId]));
    expect(await Stalls.findById('taken').lean()).toMatchObject({ seq: 0 });
    expect(await Stalls.findById('b3').lean()).toBeNull();

    const messages = await reader();
    await relay();
    await waitFor(drained, { what: 'outbox drained' });
    await waitFor(() => messages.length === 2, { what: 'the two stored aggregates’ events' });
    expect(messages.map(idOf).sort()).toEqual([events[0]!.eventId, events[1]!.eventId].sort());
  });

  it('a batch’s commit marker rides on the next batch’s insert, and is still written when that insert fails', async () => {
    // A linger no test can outwait: the marker is written only by the next batch or by settled().
    const carrying = createOutbox(db, { markerLingerMs: 3_600_000 });
    const markers = async () =>
      (await outbox.model.find({ state: 'commit' }).lean()).map((r) => r.writeId as string).sort();
    const writeOf = async (eventId: string) => (await outbox.model.findById(eventId).lean())!.writeId as string;

    const a = payment('carry-a', 1);
    await carrying.insertBatch(Stalls, [{ doc: { _id: 'carry-a', seq: 1 }, events: [a] }], { ordered: true });
    expect(await markers()).toEqual([]);
    const b = payment('carry-b', 1);
    await carrying.insertBatch(Stalls, [{ doc: { _id: 'carry-b', seq: 1 }, events: [b] }], { ordered: true });
    // A's marker came with B's staged event; B's waits for the next batch.
    expect(await markers()).toEqual([await writeOf(a.eventId)]);

    // C's insert fails on an event that is already staged (B's again): B's marker, which it carried, is written anyway.
    await expect(
      carrying.insertBatch(Stalls, [{ doc: { _id: 'carry-c', seq: 1 }, events: [b] }], { ordered: true }),
    ).rejects.toMatchObject({ code: 11000 });
    await carrying.settled();
    expect(await markers()).toEqual([await writeOf(a.eventId), await writeOf(b.eventId)].sort());
    expect(await Stalls.findById('carry-c').lean()).toBeNull();

    const messages = await reader();
    await relay();
    await waitFor(() => messages.length === 2, { what: 'A’s and B’s events' });
    await waitFor(drained, { what: 'outbox drained' });
    expect(messages.map(idOf).sort()).toEqual([a.eventId, b.eventId].sort());
  });

  it('publishes events keyed by aggregate and deletes them once Kafka has them', async () => {
    const created = payment('stall-new', 1);
    await outbox.insert(Stalls, { _id: 'stall-new', seq: 1 }, [created]);
    const raised = await raise('stall-old', 7);
    const messages = await reader();
    await relay();

    await waitFor(() => messages.length === 2, { what: 'two messages' });
    await waitFor(drained, { what: 'outbox drained' });
    const m = messages.find((x) => idOf(x) === raised.eventId)!;
    expect(m.key?.toString()).toBe('stall-old');
    expect(JSON.parse(m.value!.toString())).toEqual(raised);
    expect(m.headers?.['event-type']?.toString()).toBe('payment.confirmed');
    expect(messages.map(idOf)).toContain(created.eventId);
    expect(await Stalls.findById('stall-old').lean()).toMatchObject({ seq: 7, outboxWriteIds: [expect.any(String)] });
  });

  it('publishes nothing for a conditional write that did not happen', async () => {
    await raise('stall-v', 1);
    const res = await outbox.update(Stalls, {
      filter: { _id: 'stall-v', seq: 99 },
      update: { $set: { seq: 2 } },
      events: [payment('stall-v', 2)],
    });
    expect(res).toMatchObject({ written: false, matchedCount: 0 });
    const messages = await reader();
    await relay();
    await waitFor(() => messages.length === 1, { what: 'the first event' });
    await waitFor(drained, { what: 'outbox drained' });
    expect(JSON.parse(messages[0]!.value!.toString()).data.description).toBe('seq:1');
  });

  it('a write that raises no events is a plain write: no outbox record, no write id', async () => {
    await outbox.insert(Stalls, { _id: 'stall-quiet', seq: 1 }, []);
    const res = await outbox.update(Stalls, {
      filter: { _id: 'stall-quiet' },
      update: { $set: { seq: 2 } },
      events: [],
    });
    expect(res).toMatchObject({ written: true, matchedCount: 1 });
    const missed = await outbox.update(Stalls, {
      filter: { _id: 'stall-none' },
      update: { $set: { seq: 1 } },
      events: [],
    });
    expect(missed).toMatchObject({ written: false, matchedCount: 0 });
    const doc = await Stalls.findById('stall-quiet').lean();
    expect(doc?.seq).toBe(2);
    expect(doc?.outboxWriteIds ?? []).toEqual([]);
    expect(await outbox.model.countDocuments({})).toBe(0);
  });

  it('after a failed send publishes with a new producer: a sequence the broker rejects cannot wedge the relay', async () => {
    // Fault scenario 8c: a send timed out on a cluster with one broker left had been appended; kafkajs rolled its
    // sequence back and the broker then refused every later batch of that producer (OUT_OF_ORDER_SEQUENCE_NUMBER, never
    // retried). Here the first producer refuses every batch that way; the relay must move on to a new one.
    const producers: Producer[] = [];
    const refusing = {
      producer: (config?: ProducerConfig) => {
        const p = kafka.producer(config);
        if (producers.length === 0) {
          p.sendBatch = async () => {
            throw new Error('The broker received an out of order sequence number');
          };
        }
        producers.push(p);
        return p;
      },
    } as unknown as Kafka;
    const raised = await raise('stall-seq', 1);
    const messages = await reader();
    await relay({ kafka: refusing });
    await waitFor(drained, { what: 'outbox drained through a second producer' });
    await waitFor(() => messages.some((m) => idOf(m) === raised.eventId), { what: 'the event on the topic' });
    expect(producers).toHaveLength(2);
  });

  it('keeps order per key across two relay replicas, a hand-over and racing writers', async () => {
    const messages = await reader();
    const first = await relay({ relayId: 'relay-a', batchSize: 7 });
    const second = await relay({ relayId: 'relay-b', batchSize: 5 });
    const stalls = ['s1', 's2', 's3', 's4', 's5'];
    const perStall = 20;
    let handedOver = false;
    await Promise.all(
      stalls.map(async (s) => {
        for (let seq = 1; seq <= perStall; seq++) {
          await raise(s, seq);
          if (seq === perStall / 2 && !handedOver) {
            handedOver = true;
            // The leader goes away mid-stream; the standby takes over.
            await (first.isLeader() ? first : second).stop();
          }
        }
      }),
    );

    await waitFor(() => new Set(messages.map(idOf)).size === stalls.length * perStall, {
      what: 'every event published',
    });
    await waitFor(drained, { what: 'outbox drained' });
    const perKey = new Map<string, number[]>();
    const ids = new Set<string>();
    for (const m of messages) {
      if (ids.has(idOf(m))) continue; // what a consumer deduplicating by eventId sees
      ids.add(idOf(m));
      const e = JSON.parse(m.value!.toString()) as Payment;
      perKey.set(e.aggregateId, [...(perKey.get(e.aggregateId) ?? []), Number(e.data.description.slice(4))]);
    }
    for (const s of stalls) expect(perKey.get(s)).toEqual(Array.from({ length: perStall }, (_, i) => i + 1));
  });

  it('a batch write slower than half of verifyAfterMs marks its records ready instead of trusting a marker', async () => {
    const slow = createOutbox(db, { verifyAfterMs: 0 });
    const event = payment('slow-batch', 1);
    await slow.insertBatch(Stalls, [{ doc: { _id: 'slow-batch', seq: 1 }, events: [event] }], { ordered: true });
    expect((await outbox.model.find().lean()).map((r) => [r._id, r.state])).toEqual([[event.eventId, 'ready']]);
  });

  it('a marker outlives relay reads cut off before its write’s end: every event published once, in order', async () => {
    const events = Array.from({ length: 5 }, (_, i) => payment('cut', i + 1));
    await outbox.insertBatch(
      Stalls,
      events.map((e, i) => ({ doc: { _id: `cut-${i}`, seq: i + 1 }, events: [e] })),
      { ordered: true },
    );
    const messages = await reader();
    // Two records per read: the marker and one event, then the marker again with the next. No crash check helps: the
    // records are published only because their marker is still there.
    await relay({ batchSize: 2, verifyAfterMs: 3_600_000 });
    await waitFor(() => messages.length === 5, { what: 'all five events' });
    await waitFor(drained, { what: 'outbox drained, marker included' });
    expect(messages.map(idOf)).toEqual(events.map((e) => e.eventId));
  });

  it('recovers a writer that crashed: publishes a stored write, drops one that never happened, keeps order', async () => {
    // Crash 1: records staged and the aggregate written, but the writer died before marking them ready.
    const stored = payment('stall-w', 1);
    const writeId = 'write-that-happened';
    const at = { source: Stalls.collection.collectionName, docId: 'stall-w', writeId, enqueuedAt: new Date() };
    await outbox.model.collection.insertOne(toOutboxRecord(stored, at) as never);
    await Stalls.collection.updateOne(
      { _id: 'stall-w' } as never,
      { $set: { seq: 1 }, $push: { outboxWriteIds: writeId } } as never,
      { upsert: true },
    );
    // Crash 2: records staged, the writer died before writing the aggregate.
    const ghost = payment('stall-g', 1);
    await outbox.model.collection.insertOne(
      toOutboxRecord(ghost, { ...at, docId: 'stall-g', writeId: 'never' }) as never,
    );
    // A later, normal write of the same stall must not overtake the recovered one.
    const later = await raise('stall-w', 2);

    const messages = await reader();
    await relay({ verifyAfterMs: 300 });
    await waitFor(() => messages.length === 2, { what: 'recovered and later events' });
    await waitFor(drained, { what: 'outbox drained' });
    expect(messages.map(idOf)).toEqual([stored.eventId, later.eventId]);
  });

  it('puts back the events of a writer so slow that the relay took it for crashed', async () => {
    const messages = await reader();
    await relay({ verifyAfterMs: 0 });
    const updateOne = Stalls.updateOne.bind(Stalls);
    // The aggregate write stalls until the relay has verified the staged record (not written yet) and dropped it.
    jest
      .spyOn(Stalls, 'updateOne')
      .mockImplementationOnce(((...args: Parameters<typeof updateOne>) =>
        waitFor(drained, { what: 'the relay to drop the staged record' }).then(() => updateOne(...args))) as never);
    const event = await raise('stall-slow', 1);
    await waitFor(() => messages.length === 1, { what: 'the event published after all' });
    await waitFor(drained, { what: 'outbox drained' });
    expect(idOf(messages[0]!)).toBe(event.eventId);
  });

  it('re-publishes after a relay crash between publish and delete; effects still happen once', async () => {
    const handledBy = new Map<string, number>();
    const consumer: EventConsumer = createEventConsumer(
      consumerOptions(
        { kafka, db, logger, service: 'outbox-downstream', topicPrefix: prefix },
        {
          handlers: {
            'payment.confirmed': async (e) => {
              handledBy.set(e.eventId, (handledBy.get(e.eventId) ?? 0) + 1);
              await applyOnce(db.collection('effects'), {
                filter: { _id: e.aggregateId },
                update: { $inc: { count: 1, amount: e.data.amount } },
                eventId: e.eventId,
                upsert: true,
              });
            },
          },
        },
      ),
    );
    started.push(consumer);
    await consumer.start();
    const messages = await reader();

    const events: Payment[] = [];
    for (let seq = 1; seq <= 5; seq++) events.push(await raise('stall-crash', seq));
    // The relay freezes for good right after Kafka's ack, before deleting: a process that died at that instant.
    let crashed = false;
    let unfreeze!: (e: Error) => void;
    const frozen = new Promise<void>((_, reject) => (unfreeze = reject));
    started.push({ stop: async () => unfreeze(new Error('the frozen process is gone')) });
    await relay({
      relayId: 'doomed',
      leaseMs: 1_000,
      faults: {
        afterPublish: () => {
          crashed = true;
          return frozen;
        },
      },
    });
    await waitFor(() => crashed, { what: 'the relay to publish and freeze' });
    await waitFor(() => messages.length === 5, { what: 'first publication' });
    expect(await drained()).toBe(false);

    await relay({ relayId: 'successor', leaseMs: 1_000 });
    await waitFor(() => messages.length === 10, { what: 're-publication after the lease expired' });
    await waitFor(drained, { what: 'outbox drained' });
    expect(messages.map(idOf)).toEqual([...events, ...events].map((e) => e.eventId));

    await waitFor(
      async () =>
        (await db.collection('processed_events').countDocuments({ consumer: 'outbox-downstream' })) === 5 &&
        handledBy.size === 5,
      { what: 'downstream handled everything' },
    );
    expect(await db.collection('effects').findOne({ _id: 'stall-crash' as never })).toMatchObject({
      count: 5,
      amount: 15_000,
    });
    expect([...handledBy.values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
