import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { TOPICS } from '@marketqr/contracts';
import { consumerOptions } from './test-support/consumers';
import { paymentEvent, type Payment } from './test-support/payments';
import { AppError } from '@marketqr/service-kit';
import { testInfra, uniqueName, waitFor } from '@marketqr/test-harness';
import {
  createEventConsumer,
  createIdempotentProducer,
  createKafka,
  DLQ_HEADERS,
  ensureTopics,
  NonRetryableError,
  RetryableError,
  topicOffsets,
  type EventConsumer,
  type EventConsumerOptions,
} from '../src/index';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const infra = testInfra();
const SERVICE = 'msgtest';

let db: Connection;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let prefix: string;
let topic: string;
const running: EventConsumer[] = [];
const readers: { disconnect(): Promise<void> }[] = [];

beforeAll(async () => {
  db = await mongoose.createConnection(infra.mongoUrl, { dbName: uniqueName('msg_consumer') }).asPromise();
});

afterAll(async () => {
  await db?.dropDatabase();
  await db?.close();
});

// Clients per test: kafkajs keeps refreshing metadata for every topic it has seen, so a client that outlives a
// deleted topic fails on the next one.
beforeEach(async () => {
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'consumer-test', logger });
  admin = kafka.admin();
  await admin.connect();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  prefix = `${uniqueName('c')}.`;
  topic = prefix + TOPICS.paymentEvents.name;
  await ensureTopics(admin, [TOPICS.paymentEvents], prefix);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop().catch(() => undefined)));
  await Promise.all(readers.splice(0).map((r) => r.disconnect().catch(() => undefined)));
  await producer.disconnect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
});

function payment(merchantId: string, description: string, amount = 10_000): Payment {
  return paymentEvent(merchantId, { description, amount });
}

/** Sends one message and returns where it landed. */
async function send(key: string, value: string | Buffer): Promise<{ partition: number; offset: string }> {
  const [meta] = await producer.send({ topic, messages: [{ key, value }] });
  return { partition: meta!.partition, offset: meta!.baseOffset! };
}

async function start(options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, 'handlers'>) {
  const consumer = createEventConsumer(
    consumerOptions(
      { kafka, db, logger, service: SERVICE, topicPrefix: prefix },
      {
        retry: { retries: 2, initialDelayMs: 20, maxDelayMs: 100 },
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        ...options,
      },
    ),
  );
  running.push(consumer);
  await consumer.start();
  await consumer.joined();
  return consumer;
}

/** Every message on a topic, read by a throw-away group from the beginning. */
async function reader(topicName: string): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const c = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  readers.push(c);
  await c.connect();
  await c.subscribe({ topic: topicName, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return messages;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

/** True once the group has committed every partition of the topic up to its end. */
async function caughtUp(groupId: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await topicOffsets(admin, topic);
  return ends.every((end) => {
    const c = committed!.partitions.find((p) => p.partition === end.partition);
    return end.high === '0' || c?.offset === end.high;
  });
}

describe('consumer runner against the real broker', () => {
  it('prefixes topics and group id', async () => {
    const c = await start({ handlers: {} });
    expect(c.groupId).toBe(`${prefix}marketqr.${SERVICE}`);
    expect(c.deadLetterTopic).toBe(`${prefix}marketqr.${SERVICE}.dlq.v1`);
  });

  it('dead-letters poison messages with their headers and keeps the partition moving', async () => {
    const handled: string[] = [];
    const consumer = await start({
      handlers: { 'payment.confirmed': (e) => void handled.push(e.data.description) },
    });
    const dlq = await reader(consumer.deadLetterTopic);

    const first = payment('stall-1', 'first');
    await send('stall-1', JSON.stringify(first));
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    const garbageAt = await send('stall-1', garbage);
    const { eventId: _drop, ...noId } = payment('stall-1', 'no id');
    await send('stall-1', JSON.stringify(noId));
    const badData = payment('stall-1', 'bad data');
    await send('stall-1', JSON.stringify({ ...badData, data: { ...badData.data, amount: 12.5 } }));
    const unknown = payment('stall-1', 'unknown');
    await send('stall-1', JSON.stringify({ ...unknown, type: 'payment.teleported' }));
    await send('stall-1', JSON.stringify(payment('stall-1', 'last')));

    await waitFor(() => handled.length === 2 && dlq.length === 4, { what: 'two handled, four dead letters' });
    expect(handled).toEqual(['first', 'last']);
    expect(dlq.map((m) => header(m, DLQ_HEADERS.errorCode))).toEqual([
      'EVENT.MALFORMED_JSON',
      'EVENT.INVALID_ENVELOPE',
      'EVENT.INVALID_DATA',
      'EVENT.UNKNOWN_TYPE',
    ]);
    const poison = dlq[0]!;
    expect(poison.value).toEqual(garbage);
    expect(poison.key?.toString()).toBe('stall-1');
    expect(header(poison, DLQ_HEADERS.originalTopic)).toBe(topic);
    expect(header(poison, DLQ_HEADERS.originalPartition)).toBe(String(garbageAt.partition));
    expect(header(poison, DLQ_HEADERS.originalOffset)).toBe(garbageAt.offset);
    expect(header(poison, DLQ_HEADERS.consumer)).toBe(SERVICE);
    expect(header(poison, DLQ_HEADERS.errorMessage)).toMatch(/JSON/);
    expect(header(dlq[2]!, DLQ_HEADERS.eventId)).toBe(badData.eventId);
    expect(header(dlq[2]!, DLQ_HEADERS.errorMessage)).toMatch(/amount/);
    await waitFor(() => caughtUp(consumer.groupId), { what: 'offsets committed past the poison' });
  });

  it('hands runs of one type to the batch handler in order; a failing run is handled again one by one', async () => {
    const runs: string[][] = [];
    const single: string[] = [];
    // Sent while no consumer runs, so that the first fetch holds them all as one batch of one partition.
    const descriptions = ['a1', 'a2', 'poison', 'a4', 'a5'];
    for (const d of descriptions) await send('stall-9', JSON.stringify(payment('stall-9', d)));
    const consumer = await start({
      handlers: {
        'payment.confirmed': (e) => {
          if (e.data.description === 'poison') throw new NonRetryableError('cannot ever apply', 'PAYMENT.CORRUPT');
          single.push(e.data.description);
        },
      },
      batchHandlers: {
        'payment.confirmed': async (es) => {
          runs.push(es.map((e) => e.data.description));
          if (es.some((e) => e.data.description === 'poison')) throw new Error('one of them is bad');
        },
      },
    });
    const dlq = await reader(consumer.deadLetterTopic);
    await waitFor(() => caughtUp(consumer.groupId), { what: 'every message handled and committed' });
    // However kafkajs split the fetches, every event went through a run, in offset order, and the run with the poison
    // was redone event by event: the good ones applied by their single handler, the poison dead-lettered alone.
    expect(runs.flat()).toEqual(descriptions);
    const withPoison = runs.find((r) => r.includes('poison'))!;
    expect(single).toEqual(withPoison.filter((d) => d !== 'poison'));
    await waitFor(() => dlq.length === 1, { what: 'the poison dead-lettered' });
    expect(header(dlq[0]!, DLQ_HEADERS.errorCode)).toBe('PAYMENT.CORRUPT');
  });

  it('retries operational errors with backoff, dead-letters domain errors at once', async () => {
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const consumer = await start({
      handlers: {
        'payment.confirmed': (e) => {
          const d = e.data.description;
          const n = (attempts.get(d) ?? 0) + 1;
          attempts.set(d, n);
          if (d === 'flaky' && n < 3) throw new Error('connection reset');
          if (d === 'always') throw new RetryableError('bank gateway timeout');
          if (d === 'domain') throw new AppError('PAYMENT.UNKNOWN_STALL', 'no such stall', 422);
          if (d === 'reject') throw new NonRetryableError('cannot ever apply', 'PAYMENT.CORRUPT');
          handled.push(d);
        },
      },
    });
    const dlq = await reader(consumer.deadLetterTopic);
    for (const d of ['flaky', 'always', 'domain', 'reject', 'after'])
      await send('stall-9', JSON.stringify(payment('stall-9', d)));

    await waitFor(() => handled.includes('after') && dlq.length === 3, { what: 'retries and dead letters' });
    expect(handled).toEqual(['flaky', 'after']);
    expect(Object.fromEntries(attempts)).toEqual({ flaky: 3, always: 3, domain: 1, reject: 1, after: 1 });
    expect(
      dlq.map((m) => [
        header(m, DLQ_HEADERS.eventType),
        header(m, DLQ_HEADERS.errorCode),
        header(m, DLQ_HEADERS.attempts),
      ]),
    ).toEqual([
      ['payment.confirmed', 'HANDLER.FAILED', '3'],
      ['payment.confirmed', 'PAYMENT.UNKNOWN_STALL', '1'],
      ['payment.confirmed', 'PAYMENT.CORRUPT', '1'],
    ]);
  });

  it('handles a redelivered event once, across consumer instances', async () => {
    const seen: string[] = [];
    const handlers = { 'payment.confirmed': (e: Payment) => void seen.push(e.data.description) };
    const first = await start({ handlers });
    const dup = payment('stall-2', 'dup');
    for (let i = 0; i < 3; i++) await send('stall-2', JSON.stringify(dup));
    await send('stall-2', JSON.stringify(payment('stall-2', 'next')));
    await waitFor(() => seen.includes('next'), { what: 'next handled' });
    await first.stop();

    // A relay re-publishing after a crash, read by a new instance of the same consumer.
    await send('stall-2', JSON.stringify(dup));
    await send('stall-2', JSON.stringify(payment('stall-2', 'later')));
    await start({ handlers });
    await waitFor(() => seen.includes('later'), { what: 'later handled' });
    expect(seen).toEqual(['dup', 'next', 'later']);
    expect(await db.collection('processed_events').countDocuments({ consumer: SERVICE, eventId: dup.eventId })).toBe(1);
  });

  it('writes no processed-event records for types declared idempotent; a redelivery reaches their handler', async () => {
    // What such a handler does: an insert under the business fact's key, so a second handling changes nothing.
    const facts = db.collection<{ _id: string }>(uniqueName('facts'));
    const calls: string[] = [];
    const handlers = {
      'payment.confirmed': async (e: Payment) => {
        calls.push(e.data.paymentId);
        await facts.insertOne({ _id: e.data.paymentId }).catch(() => undefined);
      },
    };
    const first = await start({ handlers, idempotentTypes: ['payment.confirmed'] });
    const events = Array.from({ length: 5 }, (_, i) => payment('stall-3', `idem ${i}`));
    for (const e of events) await send('stall-3', JSON.stringify(e));
    await waitFor(() => calls.length === 5, { what: 'five handled' });
    await first.stop();
    const ids = events.map((e) => e.eventId);
    expect(await db.collection('processed_events').countDocuments({ eventId: { $in: ids } })).toBe(0);

    // The relay re-publishes one: handled again (nothing recorded it), and its effect is still there once.
    await send('stall-3', JSON.stringify(events[0]));
    await start({ handlers, idempotentTypes: ['payment.confirmed'] });
    await waitFor(() => calls.length >= 6, { what: 'the redelivery handled' });
    expect(calls.filter((id) => id === events[0]!.data.paymentId).length).toBeGreaterThanOrEqual(2);
    expect(await facts.countDocuments()).toBe(5);
  });

  it('finishes the message in hand on stop and commits it', async () => {
    let release!: () => void;
    const latch = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    let slowStarted = false;
    const consumer = await start({
      handlers: {
        'payment.confirmed': async (e) => {
          if (e.data.description === 'slow') {
            slowStarted = true;
            await latch;
          }
          seen.push(e.data.description);
        },
      },
    });
    const slowAt = await send('stall-3', JSON.stringify(payment('stall-3', 'slow')));
    await send('stall-3', JSON.stringify(payment('stall-3', 'queued')));
    await waitFor(() => slowStarted, { what: 'slow handler running' });

    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(seen[0]).toBe('slow');
    // Committed on the way out, not merely deduplicated later.
    const [committed] = await admin.fetchOffsets({ groupId: consumer.groupId, topics: [topic] });
    const offset = committed!.partitions.find((p) => p.partition === slowAt.partition)?.offset;
    expect(BigInt(offset ?? '-1')).toBeGreaterThan(BigInt(slowAt.offset));

    // Whatever the first instance did not reach is handled by the next one; 'slow' is not handled again.
    await start({ handlers: { 'payment.confirmed': (e) => void seen.push(e.data.description) } });
    await waitFor(() => seen.includes('queued'), { what: 'queued handled' });
    expect(seen.filter((d) => d === 'slow')).toHaveLength(1);
  });

  it('survives a SIGKILL mid-stream: every event takes effect exactly once', async () => {
    const dbName = uniqueName('msg_kill');
    const child = (freezeAfter?: number) => {
      const config = {
        mongoUrl: infra.mongoUrl,
        dbName,
        brokers: infra.kafkaBrokers,
        service: SERVICE,
        topic: TOPICS.paymentEvents.name,
        prefix,
        commitEveryMessages: 3,
        freezeAfter,
      };
      const proc = fork(join(__dirname, 'test-support', 'consumer-child.js'), [], {
        env: { ...process.env, CHILD_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const applied: string[] = [];
      proc.on('message', (m: { applied?: string }) => void (m.applied && applied.push(m.applied)));
      return { proc, applied };
    };
    const exited = (p: ChildProcess) =>
      new Promise<void>((r) => (p.exitCode !== null || p.signalCode ? r() : p.once('exit', () => r())));

    const events: Payment[] = [];
    for (let i = 0; i < 40; i++) events.push(payment(`stall-${i % 4}`, `n${i}`, 1_000 + i));
    await producer.send({ topic, messages: events.map((e) => ({ key: e.aggregateId, value: JSON.stringify(e) })) });

    const killDb = mongoose.createConnection(infra.mongoUrl, { dbName });
    try {
      const first = child(15);
      // Includes starting a Node process and joining the group (a rebalance), which on a starved machine is slow.
      await waitFor(() => first.applied.length >= 15, { what: 'first child applied 15', timeoutMs: 150_000 });
      first.proc.kill('SIGKILL');
      await exited(first.proc);

      const second = child();
      try {
        const effects = killDb.collection<{ _id: string; count: number; total: number }>('effects');
        const groupId = `${prefix}marketqr.${SERVICE}`;
        await waitFor(() => caughtUp(groupId), { what: 'second child caught up' });

        const docs = await effects.find().toArray();
        expect(docs.reduce((s, d) => s + d.count, 0)).toBe(40);
        expect(docs.reduce((s, d) => s + d.total, 0)).toBe(events.reduce((s, e) => s + e.data.amount, 0));
        // The crash really redelivered something: the frozen event ran twice, its effect counted once.
        const invocations = await killDb.collection('invocations').countDocuments();
        expect(invocations).toBeGreaterThan(40);
        expect(second.applied.length).toBeGreaterThan(0);
      } finally {
        second.proc.kill('SIGTERM');
        await exited(second.proc);
      }
    } finally {
      await killDb.dropDatabase().catch(() => undefined);
      await killDb.close();
    }
  });
});
