/**
 * What every producer of the project's is held to, checked without a broker: acks=all (every in-sync replica, so on the
 * three-broker cluster min.insync.replicas 2 decides whether a write is acknowledged) and topics whose replication
 * factor the broker decides (1 on one node, 3 on the cluster).
 */
import type { Admin } from 'kafkajs';
import { createLogger } from '@marketqr/service-kit';
import { createIdempotentProducer, createKafka, ensureTopics } from './kafka';

const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'unit', logger: createLogger('unit', 'silent') });

test('the idempotent producer sends with acks=all by default and refuses anything weaker', async () => {
  const producer = createIdempotentProducer(kafka);
  const send = (acks?: number) =>
    producer.send({ topic: 't', messages: [{ value: 'x' }], ...(acks === undefined ? {} : { acks }) });
  // kafkajs checks acks before the connection: the default passes that check (and only then fails, not connected).
  await expect(send()).rejects.toThrow('The producer is disconnected');
  await expect(send(-1)).rejects.toThrow('The producer is disconnected');
  for (const acks of [0, 1]) await expect(send(acks)).rejects.toThrow(/idempotent producer's EoS guarantees/);
});

test('topics are created with the broker default replication factor (-1)', async () => {
  const created: unknown[] = [];
  const admin = {
    listTopics: async () => [],
    createTopics: async (req: { topics: unknown[] }) => void created.push(...req.topics),
    fetchTopicMetadata: async () => ({
      topics: [{ name: 'p.a.v1', partitions: [0, 1].map((partitionId) => ({ partitionId, leader: 1 })) }],
    }),
  } as unknown as Admin;
  await ensureTopics(admin, [{ name: 'a.v1', partitions: 2 }], 'p.');
  expect(created).toEqual([{ topic: 'p.a.v1', numPartitions: 2, replicationFactor: -1 }]);
});
