/**
 * Dead letters listed, replayed and discarded through `pnpm dlq` (the built CLI, as an operator runs it), against the
 * real broker and database: a replay reaches the consumer again once, a second replay and a discard without a reason
 * are refused, and nothing is decided twice.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Admin, Kafka, Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { TOPICS } from '@marketqr/contracts';
import { consumerOptions } from './test-support/consumers';
import { paymentEvent, type Payment } from './test-support/payments';
import { repoRoot, testInfra, uniqueName, waitFor } from '@marketqr/test-harness';
import {
  createEventConsumer,
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  NonRetryableError,
  topicOffsets,
  type EventConsumer,
} from '../src/index';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const infra = testInfra();
// A real service name: the CLI knows which services consume (and so have dead letters).
const SERVICE = 'settlement';
const dbName = uniqueName('msg_dlq');
const prefix = `${uniqueName('d')}.`;
const topic = prefix + TOPICS.paymentEvents.name;

let db: Connection;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let consumer: EventConsumer;
const handled: string[] = [];
let broken = true;

beforeAll(async () => {
  db = await mongoose.createConnection(infra.mongoUrl, { dbName }).asPromise();
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'dlq-test', logger });
  admin = kafka.admin();
  await admin.connect();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  await ensureTopics(admin, [TOPICS.paymentEvents], prefix);
  consumer = createEventConsumer(
    consumerOptions(
      { kafka, db, logger, service: SERVICE, topicPrefix: prefix },
      {
        retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 50 },
        handlers: {
          'payment.confirmed': (e) => {
            // A fault the operator fixes later (a missing configuration, a bug): dead-lettered at once while it lasts.
            if (broken) throw new NonRetryableError(`cannot handle ${e.data.description} yet`);
            handled.push(e.data.description);
          },
        },
      },
    ),
  );
  await consumer.start();
  await consumer.joined();
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
  await db?.dropDatabase();
  await db?.close();
});

function payment(description: string): Payment {
  return paymentEvent('stall-dlq', { description, amount: 25_000 });
}

/** `pnpm dlq settlement …` with this test's prefix and database; never throws, returns the exit code and output. */
async function dlq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(repoRoot, 'packages/messaging/dist/dlq-cli.js');
  const env = {
    ...process.env,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    MONGO_URL: infra.mongoUrl,
    MONGO_DB: dbName,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [cli, SERVICE, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const endOf = async (t: string) => (await topicOffsets(admin, t)).reduce((n, p) => n + Number(p.high), 0);

test('list, show, replay once, discard with a reason; refusals with stable codes', async () => {
  const first = payment('first');
  const second = payment('second');
  await producer.send({
    topic,
    messages: [first, second].map((e) => ({ key: 'stall-dlq', value: JSON.stringify(e) })),
  });
  await waitFor(async () => (await endOf(consumer.deadLetterTopic)) === 2, { what: 'two dead letters' });

  const listed = await dlq('list', '--json');
  expect(listed.code).toBe(0);
  const letters = JSON.parse(listed.stdout) as { id: string; eventId: string; errorCode: string; decision: null }[];
  expect(letters.map((l) => l.eventId)).toEqual([first.eventId, second.eventId]);
  expect(letters[0]).toMatchObject({ originalTopic: topic, eventType: 'payment.confirmed', decision: null });
  const [a, b] = letters.map((l) => l.id) as [string, string];

  const shown = await dlq('show', a);
  expect(shown.code).toBe(0);
  expect(JSON.parse(JSON.parse(shown.stdout).value as string).eventId).toBe(first.eventId);

  // The cause is fixed: replayed, the event reaches the consumer and is handled.
  broken = false;
  const sent = await endOf(topic);
  const replayed = await dlq('replay', a, '--by', 'ops-test');
  expect(replayed.code).toBe(0);
  expect(replayed.stdout).toContain(`${a}: replayed`);
  expect(await endOf(topic)).toBe(sent + 1);
  await waitFor(() => handled.includes('first'), { what: 'the replayed event handled' });

  // A second replay sends nothing.
  const again = await dlq('replay', a);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('already replayed by ops-test');
  expect(await endOf(topic)).toBe(sent + 1);

  // A discard needs a reason; refused, it stores nothing.
  const noReason = await dlq('discard', b);
  expect(noReason.code).toBe(2);
  expect(noReason.stderr).toContain('DLQ.REASON_REQUIRED');
  expect(await db.collection('dead_letter_decisions').countDocuments()).toBe(1);
  const discarded = await dlq('discard', b, '--reason', 'refunded by the bank');
  expect(discarded.code).toBe(0);
  expect(await db.collection('dead_letter_decisions').findOne({ reason: 'refunded by the bank' })).toMatchObject({
    action: 'discarded',
  });

  // Nothing is open now; --all shows what was decided.
  expect((await dlq('list')).stdout).toContain('no open dead letters');
  const everything = JSON.parse((await dlq('list', '--all', '--json')).stdout) as { decision: { action: string } }[];
  expect(everything.map((l) => l.decision.action)).toEqual(['replayed', 'discarded']);

  // Bad requests: stable codes, exit 2.
  expect((await dlq('show', 'nope')).stderr).toContain('DLQ.BAD_ID');
  const missing = await dlq('replay', '0:999');
  expect([missing.code, missing.stderr.split(':')[0]]).toEqual([2, 'DLQ.NOT_FOUND']);
  const usage = await dlq('explode');
  expect([usage.code, usage.stderr.split(':')[0]]).toEqual([2, 'DLQ.USAGE']);
  expect(handled).toEqual(['first']);
});
