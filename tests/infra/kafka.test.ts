/**
 * The broker the project runs (Kafka 4.4 from Maven Central, or the container of the same version) works with kafkajs
 * 2.2.4, which is unmaintained since 2023: topics, an idempotent producer, consumer groups that resume from their
 * committed offset, and transactions with sendOffsets. If a Kafka upgrade breaks kafkajs, this file says so first.
 */
import { createIdempotentProducer, createKafka, ensureTopics } from '@marketqr/messaging';
import { createLogger } from '@marketqr/service-kit';
import { testInfra, uniqueName, waitFor } from '@marketqr/test-harness';
import type { Admin, Consumer, Kafka } from 'kafkajs';

const logger = createLogger('kafka-test', 'silent');
let kafka: Kafka;
let admin: Admin;
const prefix = `${uniqueName('kt')}.`;

beforeAll(async () => {
  kafka = createKafka({ brokers: testInfra().kafkaBrokers, clientId: 'kafka-test', logger, kafkaLogLevel: 'error' });
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});

async function consumeAll(consumer: Consumer, topic: string, into: string[]) {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      into.push(message.value!.toString());
      await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
}

test('createTopics creates missing topics with their partitions and is idempotent', async () => {
  const topics = [
    { name: 'a.v1', partitions: 3 },
    { name: 'b.v1', partitions: 1 },
  ];
  expect(await ensureTopics(admin, topics, prefix)).toEqual([`${prefix}a.v1`, `${prefix}b.v1`]);
  expect(await ensureTopics(admin, topics, prefix)).toEqual([]);
  const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}a.v1`] });
  expect(meta.topics[0]!.partitions).toHaveLength(3);
  expect(meta.topics[0]!.partitions.every((p) => p.leader >= 0)).toBe(true);
});

test('an idempotent producer keeps one key on one partition, in order', async () => {
  const topic = `${prefix}order.v1`;
  await ensureTopics(admin, [{ name: 'order.v1', partitions: 3 }], prefix);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  for (let i = 0; i < 20; i++) {
    await producer.send({ topic, messages: [{ key: `stall-${i % 2}`, value: `stall-${i % 2}:${i}` }] });
  }
  await producer.disconnect();

  const seen: { partition: number; value: string }[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}order` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => void seen.push({ partition, value: message.value!.toString() }),
  });
  await waitFor(() => seen.length >= 20, { what: '20 messages' });
  await consumer.disconnect();

  for (const key of ['stall-0', 'stall-1']) {
    const mine = seen.filter((s) => s.value.startsWith(`${key}:`));
    expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
    const numbers = mine.map((m) => Number(m.value.split(':')[1]));
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
  }
});

test('a consumer group resumes from its committed offset after a restart', async () => {
  const topic = `${prefix}resume.v1`;
  const groupId = `${prefix}resume`;
  await ensureTopics(admin, [{ name: 'resume.v1', partitions: 1 }], prefix);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  await producer.send({ topic, messages: ['m1', 'm2', 'm3'].map((value) => ({ key: 'k', value })) });

  const first: string[] = [];
  const c1 = kafka.consumer({ groupId });
  await consumeAll(c1, topic, first);
  await waitFor(() => first.length === 3, { what: 'first three messages' });
  await c1.disconnect();

  await producer.send({ topic, messages: ['m4', 'm5'].map((value) => ({ key: 'k', value })) });
  await producer.disconnect();

  const second: string[] = [];
  const c2 = kafka.consumer({ groupId });
  await consumeAll(c2, topic, second);
  await waitFor(() => second.length === 2, { what: 'the two new messages' });
  await c2.disconnect();
  expect(second).toEqual(['m4', 'm5']);
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  expect(offsets[0]!.partitions[0]!.offset).toBe('5');
});

test('a transaction publishes and commits consumer offsets atomically (sendOffsets)', async () => {
  const input = `${prefix}tx-in.v1`;
  const output = `${prefix}tx-out.v1`;
  const groupId = `${prefix}tx`;
  await ensureTopics(
    admin,
    [
      { name: 'tx-in.v1', partitions: 1 },
      { name: 'tx-out.v1', partitions: 1 },
    ],
    prefix,
  );

  const producer = createIdempotentProducer(kafka, { transactionalId: `${prefix}tx-producer` });
  await producer.connect();
  const aborted = await producer.transaction();
  await aborted.send({ topic: output, messages: [{ key: 'k', value: 'aborted' }] });
  await aborted.abort();

  const tx = await producer.transaction();
  await tx.send({ topic: output, messages: [{ key: 'k', value: 'committed' }] });
  await tx.sendOffsets({
    consumerGroupId: groupId,
    topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }],
  });
  await tx.commit();
  await producer.disconnect();

  // The commit returns once the coordinator has decided; the offset becomes readable when its commit marker is
  // written, a moment later on a busy broker. So poll for it instead of reading once.
  const committedOffset = async () =>
    (await admin.fetchOffsets({ groupId, topics: [input] }))[0]!.partitions[0]!.offset;
  await waitFor(async () => (await committedOffset()) === '7', { what: 'the transactional offset commit' });

  // A read_committed consumer (kafkajs' default isolation) sees the committed message and never the aborted one.
  const seen: string[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}tx-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await waitFor(() => seen.includes('committed'), { what: 'the committed message' });
  await consumer.disconnect();
  expect(seen).toEqual(['committed']);
});
