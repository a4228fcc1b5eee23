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

const LIMITED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

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
        // Our idempotent producers keep kafkajs' bounded retries on purpose (an outbox relay must give up a cycle and
        // retry it later rather than hang on a broker that is away); exactly-once does not rest on the producer but
        // on the outbox re-publishing and consumers deduplicating by event id. So this warning, printed once per
        // producer, says nothing actionable: it is logged at debug.
        if (message === LIMITED_RETRIES_WARNING) return void log.debug(fields, message);
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
 * flight, so a retry can never reorder one stall's events. acks=all is implied by idempotence: kafkajs sends with
 * acks -1 unless told otherwise and refuses any other value on an idempotent producer, and nothing in the project
 * passes `acks` (kafka.test.ts holds both). A send therefore resolves only once every in-sync replica holds the batch;
 * on the three-broker cluster (infra.sh --brokers 3, min.insync.replicas 2) that is at least two brokers, and with one
 * broker left it rejects, so the outbox keeps the record and publishes it again later.
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
 * Creates the topics that are missing and waits until each partition has a leader.
 * kafkajs' own `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a KRaft broker can also answer
 * UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition") for a moment after creating a
 * topic, and kafkajs then gives up at once. So the wait is ours: poll the metadata until every partition has a
 * leader, with a deadline.
 * Returns the names it created.
 */
export async function ensureTopics(
  admin: Admin,
  topics: TopicRequest[],
  prefix = '',
  opts: { timeoutMs?: number } = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(prefix + t.name));
  if (missing.length === 0) return [];
  await createTopics(admin, missing, prefix, opts.timeoutMs ?? 30_000);
  await waitForTopicLeaders(
    admin,
    missing.map((t) => ({ name: prefix + t.name, partitions: t.partitions })),
    opts.timeoutMs ?? 30_000,
  );
  return missing.map((t) => prefix + t.name);
}

/**
 * Per-topic creation errors that pass: a topic another process created first is what we wanted, and a broker the
 * controller has fenced for a moment (a starved machine missing heartbeats) refuses with "replication factor is
 * invalid" because it sees no broker to place replicas on; kafkajs does not retry either.
 */
const CREATE_LATER = new Set(['INVALID_REPLICATION_FACTOR', 'NOT_CONTROLLER', 'REQUEST_TIMED_OUT']);

async function createTopics(admin: Admin, topics: TopicRequest[], prefix: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = topics;
  for (;;) {
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: pending.map((t) => ({ topic: prefix + t.name, numPartitions: t.partitions, replicationFactor: -1 })),
      });
      return;
    } catch (err) {
      const failed = (err as { errors?: { topic?: string; type?: string }[] }).errors;
      if (!Array.isArray(failed)) throw err;
      const retry = failed.filter((e) => e.type !== 'TOPIC_ALREADY_EXISTS');
      if (retry.some((e) => !e.type || !CREATE_LATER.has(e.type))) throw err;
      if (retry.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`topics not created after ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      }
      const names = new Set(retry.map((e) => e.topic));
      pending = pending.filter((t) => names.has(prefix + t.name));
      if (pending.length === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Metadata errors that only mean "the broker has not caught up with the new topic yet". */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

async function waitForTopicLeaders(admin: Admin, topics: TopicRequest[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
      const lagging = topics.filter((t) => {
        const m = meta.find((x) => x.name === t.name);
        return !m || m.partitions.length < t.partitions || m.partitions.some((p) => p.leader < 0);
      });
      if (lagging.length === 0) return;
      last = `no leader yet for ${lagging.map((t) => t.name).join(', ')}`;
    } catch (err) {
      const e = err as { type?: string; cause?: { type?: string } };
      const type = e.type ?? e.cause?.type;
      if (!type || !NOT_YET.has(type)) throw err;
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`topics not ready after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A topic's offsets per partition (low and high). Just after a topic is created a partition can answer "not the
 * leader" for a moment, which kafkajs does not retry for offsets: a retriable answer is asked again, for up to
 * `withinMs`.
 */
export async function topicOffsets(
  admin: Admin,
  topic: string,
  withinMs = 30_000,
): ReturnType<Admin['fetchTopicOffsets']> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
