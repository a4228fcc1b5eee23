import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface CollectedMessage {
  key: string | null;
  value: unknown;
  partition: number;
  offset: string;
}

/**
 * Reads every message of a topic from the beginning (its own consumer group) into an array, so a test can wait for
 * the events a service published and assert on them. JSON values are parsed.
 */
export async function collectTopic(
  brokers: string[],
  topic: string,
): Promise<{ messages: CollectedMessage[]; stop: () => Promise<void> }> {
  const kafka = new Kafka({ brokers, clientId: 'test-collector', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `collector-${randomBytes(6).toString('hex')}`,
    allowAutoTopicCreation: false,
  });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const text = message.value?.toString() ?? '';
      let value: unknown = text;
      try {
        value = JSON.parse(text);
      } catch {}
      messages.push({ key: message.key?.toString() ?? null, value, partition, offset: message.offset });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
