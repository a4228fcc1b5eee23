import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import mongoose from 'mongoose';
import { uniqueName } from '@marketqr/test-harness';

/**
 * The floor under the system: what the broker and the MongoDB-wire server do on this machine with no MarketQR code in
 * the way. Same message count and size as the end-to-end run, so the system's rate can be read as a share of it.
 */
export async function kafkaFloor(brokers: string[], count: number, bytes: number) {
  const kafka = new Kafka({ brokers, clientId: 'bench-floor', logLevel: logLevel.NOTHING });
  const topic = `${uniqueName('bench')}.floor`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: `${topic}.g` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      received += batch.messages.length;
      if (received >= count) done();
    },
  });
  const value = randomBytes(bytes / 2).toString('hex');
  const started = performance.now();
  // Like the system's relay: small batches, keyed by stall, one request in flight.
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const messages = Array.from({ length: Math.min(batch, count - i) }, (_, j) => ({
      key: `stall-${(i + j) % 500}`,
      value,
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  const produced = performance.now();
  await all;
  const consumed = performance.now();
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return {
    count,
    bytes,
    produceRate: count / ((produced - started) / 1000),
    endToEndRate: count / ((consumed - started) / 1000),
    seconds: (consumed - started) / 1000,
  };
}

export async function mongoFloor(url: string, count: number, bytes: number, concurrency = 16) {
  const conn = await mongoose.createConnection(url, { dbName: uniqueName('bench_floor') }).asPromise();
  const Doc = conn.model('FloorDoc', new mongoose.Schema({ k: { type: String, unique: true }, body: String }));
  await Doc.createIndexes();
  const body = randomBytes(bytes / 2).toString('hex');
  let next = 0;
  const started = performance.now();
  // One document per write, unique-indexed key, like the system's inbox and journal inserts.
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await Doc.create({ k: `tx-${i}`, body });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await conn.dropDatabase();
  await conn.close();
  return { count, bytes, concurrency, insertRate: count / seconds, seconds };
}
