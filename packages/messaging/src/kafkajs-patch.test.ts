/**
 * patches/kafkajs@2.2.4.patch, without a broker: kafkajs' send loop (src/producer/sendMessages.js) with a fake cluster
 * whose partition leader moves during a retry to a broker that has already acknowledged another partition. Upstream,
 * the moved partition was never sent again and the send still resolved (kafkajs issue #1303): a payment event lost
 * in fault scenario 8b. Patched, it goes to its new leader, and a send resolves only once every partition is
 * acknowledged.
 */
const createSendMessages = require('kafkajs/src/producer/sendMessages');
const createRetry = require('kafkajs/src/retry');
const { KafkaJSConnectionError } = require('kafkajs/src/errors');

interface Produced {
  nodeId: number;
  partitions: number[];
}

function harness(opts: { leaders: Record<number, number>; onProduce: (nodeId: number, partitions: number[]) => void }) {
  const produced: Produced[] = [];
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({ topicData }: { topicData: { topic: string; partitions: { partition: number }[] }[] }) => {
      const partitions = topicData[0]!.partitions.map((p) => Number(p.partition));
      opts.onProduce(nodeId, partitions); // may move leaders and throw, as a dying broker does
      produced.push({ nodeId, partitions });
      return {
        topics: [
          {
            topicName: topicData[0]!.topic,
            partitions: partitions.map((partition) => ({
              partition,
              errorCode: 0,
              baseOffset: '0',
              logAppendTime: '-1',
              logStartOffset: '0',
            })),
          },
        ],
      };
    },
  });
  const brokers = new Map([1, 2, 3].map((id) => [id, broker(id)]));
  const cluster = {
    targetTopics: new Set<string>(),
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers.get(Number(nodeId)),
    findTopicPartitionMetadata: () =>
      Object.entries(opts.leaders).map(([partitionId, leader]) => ({ partitionId: Number(partitionId), leader })),
    findLeaderForPartitions: (_topic: string, partitions: (string | number)[]) => {
      const by: Record<number, number[]> = {};
      for (const p of partitions) (by[opts.leaders[Number(p)]!] ??= []).push(Number(p));
      return by;
    },
  };
  const eosManager = {
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    isTransactional: () => false,
    getSequence: () => 0,
    updateSequence: () => undefined,
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
  };
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const send = createSendMessages({
    logger: silent,
    cluster,
    eosManager,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
  });
  const messages = Object.keys(opts.leaders).map((p) => ({ partition: Number(p), value: `m${p}` }));
  return { produced, send: () => send({ acks: -1, timeout: 1_000, topicMessages: [{ topic: 't', messages }] }) };
}

test('a partition whose leader moves to a broker that already answered is sent there again, not dropped', async () => {
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  let dying = true;
  const h = harness({
    leaders,
    onProduce: (nodeId) => {
      if (nodeId === 2 && dying) {
        // Broker 2 dies mid-send; the controller moves its partition to broker 1, which has answered for partition 0.
        dying = false;
        leaders[1] = 1;
        throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
      }
    },
  });
  const result = await h.send();
  expect(h.produced).toEqual([
    { nodeId: 1, partitions: [0] },
    { nodeId: 1, partitions: [1] },
  ]);
  expect(result.map((r: { partition: number }) => r.partition).sort()).toEqual([0, 1]);
});

test('a retry does not send again what was acknowledged', async () => {
  const leaders: Record<number, number> = { 0: 1, 1: 2, 2: 3 };
  let failures = 1;
  const h = harness({
    leaders,
    onProduce: (nodeId) => {
      if (nodeId === 3 && failures-- > 0) throw new KafkaJSConnectionError('Connection error: read ECONNRESET');
    },
  });
  await h.send();
  const sent = h.produced.flatMap((p) => p.partitions).sort();
  expect(sent).toEqual([0, 1, 2]);
});
