import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { TOPICS } from '@marketqr/contracts';
import type { EventConsumerOptions } from '../../src/index';

/** What a messaging test's consumer runs against: its client, database, logger, service name and topic prefix. */
export interface TestConsumerBase {
  kafka: Kafka;
  db: Connection;
  logger: Logger;
  service: string;
  topicPrefix: string;
}

/**
 * A consumer of the payment events under the test's prefix that notices new messages within a fifth of a second;
 * `options` adds the handlers and whatever the test is about (retries, timeouts, idempotent types…).
 */
export function consumerOptions(
  base: TestConsumerBase,
  options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, 'handlers'>,
): EventConsumerOptions {
  return { ...base, topics: [TOPICS.paymentEvents], maxWaitTimeMs: 200, ...options };
}
