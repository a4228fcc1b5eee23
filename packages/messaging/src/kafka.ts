import { Kafka, logLevel, Partitioners, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** kafkajs' own log level; its INFO level narrates every rebalance, so the default is warn. */
  kafkaLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Overrides for tests (e.g. shorter retries). */
  overrides?: Partial<KafkaConfig>;
}

const levels = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

/** A kafkajs client whose logs go through the service's pino logger as structured lines. */
export function createKafka(opts: KafkaOptions): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: levels[opts.kafkaLogLevel ?? 'warn'],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, timestamp: _ts, logger: _l, ...rest } = entry;
        const fields = { namespace, ...rest };
        if (level === logLevel.ERROR) log.error(fields, message);
        else if (level === logLevel.WARN) log.warn(fields, message);
        else if (level === logLevel.INFO) log.info(fields, message);
        else log.debug(fields, message);
      },
    ...opts.overrides,
  });
}

/**
 * The producer every service publishes with: idempotent (the broker drops retried duplicates) and one request in
 * flight, so a retry can never reorder one stall's events. acks=all is implied by idempotence.
 */
export function createIdempotentProducer(kafka: Kafka, extra: { transactionalId?: string } = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(extra.transactionalId ? { transactionalId: extra.transactionalId } : {}),
  });
}

export interface TopicRequest {
  name: string;
  partitions: number;
}

/**
 * Creates the topics that are missing and waits until each partition has a leader: on KRaft, a topic created implicitly
 * can answer "This server does not host this topic-partition" to the first metadata request.
 * Returns the names it created.
 */
export async function ensureTopics(admin: Admin, topics: TopicRequest[], prefix = ''): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(prefix + t.name));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({ topic: prefix + t.name, numPartitions: t.partitions, replicationFactor: -1 })),
  });
  return missing.map((t) => prefix + t.name);
}
