import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  deadLetterTopic,
  parseEvent,
  type EventOfType,
  type EventType,
  type KnownEvent,
  type TopicSpec,
} from '@marketqr/contracts';
import { MicroBatcher, type MicroBatchOptions, type Resource, backoffMs } from '@marketqr/service-kit';
import { errorCode, isRetryable } from './errors';
import { ensureTopics } from './kafka';
import { MetricsHolder, withPrefix } from './metrics';
import { processedEventsStore, type ProcessedEventsStore } from './processed-events';
import { RenewableProducer } from './renewable-producer';

export interface HandlerContext {
  consumer: string;
  /** The topic as consumed (with the deployment's prefix). */
  topic: string;
  partition: number;
  offset: string;
  /** 1 on the first try; a handler may log or vary on it, never rely on it for correctness. */
  attempt: number;
  /** Keep the group membership alive during long work (the runner also beats between messages). */
  heartbeat(): Promise<void>;
  log: Logger;
}

export type EventHandler<E extends KnownEvent = KnownEvent> = (event: E, ctx: HandlerContext) => Promise<void> | void;

/** One handler per event type (every version of it: narrow on `event.version`). Types without a handler are skipped. */
export type EventHandlers = { [T in EventType]?: EventHandler<EventOfType<T>> };

/**
 * The effect of a run of consecutive events of one type of one partition, in offset order, applied together: one set
 * of database round trips for all of them (100 payments of 50 stalls are 50 counter updates, not 100). Must be
 * idempotent like a single handler. When it throws, the run is handled again event by event by the type's
 * `EventHandlers` entry (which must exist), with that path's retries and dead-lettering: a batch never hides which
 * event failed.
 */
export type BatchHandler<E extends KnownEvent = KnownEvent> = (events: E[], ctx: { log: Logger }) => Promise<void>;
export type BatchHandlers = { [T in EventType]?: BatchHandler<EventOfType<T>> };

/**
 * A batch handler whose runs, handed in at the same time by the partitions the consumer handles at once, are applied
 * together: at a steady rate spread over a topic's partitions a run is one or two events, and it is the round trip
 * that costs, not the event. Only for effects keyed by the events' partition key (a stall's counters): the
 * partitions' keys are distinct, so merging changes no order. If `apply` throws, every run of the merge is handled
 * again event by event, as for any failed run.
 */
export function mergedAcrossPartitions<E extends KnownEvent>(
  apply: (events: E[]) => Promise<void>,
  opts: MicroBatchOptions = { maxItems: 64, maxWaitMs: 5 },
): (events: E[]) => Promise<void> {
  const runs = new MicroBatcher<E[], void>(opts, async (batch) => {
    await apply(batch.flat());
    return batch.map(() => ({ ok: true as const, value: undefined }));
  });
  return (events) => runs.submit(events);
}

export interface RetryPolicy {
  /** Retries after the first attempt for operational errors; then the message is dead-lettered. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  /** The consuming service: names its dead-letter topic and, by default, its consumer group. */
  service: string;
  /**
   * This consumer within the service (a service may run one per use case). Names the group
   * (`marketqr.<service>.<name>`) and the dedupe records. Default: the service name, group `marketqr.<service>`.
   */
  name?: string;
  /** Overrides the group id (before the prefix). */
  groupId?: string;
  /** Topics to read; a TopicSpec is also created if missing (so start order between services does not matter). */
  topics: ReadonlyArray<TopicSpec | string>;
  /** Prepended to every topic name and to the group id (KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
  /** The service's own database: processed-event records live in its `processed_events` collection. */
  db: Connection;
  handlers: EventHandlers;
  /** Optional handlers of runs of one type (see BatchHandler); each type here also needs its `handlers` entry. */
  batchHandlers?: BatchHandlers;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** An event type this build of the contracts does not know: dead-letter it (default) or skip it. */
  onUnknownType?: 'dead-letter' | 'skip';
  /**
   * Event types whose handlers are idempotent by construction — the effect is keyed by the business fact it records
   * (an insert under a unique key, a latest-wins write guarded by time) — so handling one twice changes nothing. No
   * processed-event record is written for them: one database write less per event, which is most of what some
   * consumers write. A type whose effect is a counter (an `$inc`) is listed only if its handler guards the counter
   * itself (`applyOnce`, or a fact inserted under a unique key that it checks first).
   */
  idempotentTypes?: readonly EventType[];
  /** Partitions handled in parallel; messages of one partition are always handled one after the other. */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new messages; also bounds how long a stop waits for an idle fetch. */
  maxWaitTimeMs?: number;
  /** Where a new group starts: the beginning (default: a new read model must see history) or new messages only. */
  fromBeginning?: boolean;
  /** Commit after this many handled messages of a partition, and in any case at the end of each batch. */
  commitEveryMessages?: number;
  /**
   * Dead-letter producer; default an idempotent producer of its own, replaced by a new one after a failed send (see
   * RenewableProducer). A given producer is the caller's: never renewed or disconnected here.
   */
  producer?: Producer;
  /** How long processed-event records are kept (swept hourly by the consumer). Default 14 days. */
  processedRetentionMs?: number;
  registry?: Registry;
}

export interface EventConsumer extends Resource {
  readonly groupId: string;
  readonly deadLetterTopic: string;
  /** Resolves once the consumer has joined its group and received partitions. */
  joined(timeoutMs?: number): Promise<void>;
  bindMetrics(registry: Registry): void;
}

/** Headers added to a dead-lettered message. Its key, value (raw bytes) and original headers are kept as they were. */
export const DLQ_HEADERS = {
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  errorCode: 'x-error-code',
  errorMessage: 'x-error-message',
  consumer: 'x-consumer',
  attempts: 'x-attempts',
  failedAt: 'x-failed-at',
  eventId: 'x-event-id',
  eventType: 'x-event-type',
} as const;

/** Why handling stopped early: the message is left unresolved so that whoever owns the partition next redelivers it. */
class Interrupted extends Error {}

/**
 * A Kafka consumer group that hands validated events to typed handlers.
 *
 * - Order: one partition's messages are handled one at a time, in offset order (one stall = one key = one partition).
 * - Validation: every message goes through the contracts registry; what does not parse goes to the dead-letter topic
 *   at once, with the reason in the headers, and the partition moves on.
 * - Retries: operational errors are retried with exponential backoff (heartbeating meanwhile), `retries` times, then
 *   dead-lettered; domain errors are dead-lettered at once.
 * - Idempotency: after a handler succeeds, (consumer, eventId) is recorded under a unique index and the offset is
 *   resolved; recorded events are skipped. A crash after the handler's effect and before the record redelivers the
 *   event, so handlers make their effect idempotent themselves (`applyOnce`, or an upsert keyed by eventId).
 * - Offsets are committed only for messages whose outcome is stored (autoCommit off). A crash loses nothing, it
 *   redelivers the uncommitted tail, which the records and idempotent effects absorb.
 * - Stop: finishes the message in hand, commits, leaves the group.
 */
export function createEventConsumer(opts: EventConsumerOptions): EventConsumer {
  const name = opts.name ?? opts.service;
  const groupId = withPrefix(
    opts.topicPrefix,
    opts.groupId ?? (opts.name ? `marketqr.${opts.service}.${opts.name}` : `marketqr.${opts.service}`),
  );
  const dlqSpec = deadLetterTopic(opts.service);
  const dlqTopic = withPrefix(opts.topicPrefix, dlqSpec.name);
  const topics = opts.topics.map((t) => withPrefix(opts.topicPrefix, typeof t === 'string' ? t : t.name));
  const unprefixed = (topic: string) =>
    opts.topicPrefix && topic.startsWith(opts.topicPrefix) ? topic.slice(opts.topicPrefix.length) : topic;
  const retry: RetryPolicy = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000, ...opts.retry };
  const commitEvery = opts.commitEveryMessages ?? 100;
  const log = opts.logger.child({ component: 'consumer', consumer: name, groupId });
  const metrics = new MetricsHolder(opts.registry);
  const store: ProcessedEventsStore = processedEventsStore(opts.db);
  const idempotentTypes = new Set<string>(opts.idempotentTypes ?? []);

  let consumer: Consumer | undefined;
  // Dead letters: a new producer after a failed send, as the relay's (see RenewableProducer).
  const producer = new RenewableProducer({ name: 'consumer', kafka: opts.kafka, given: opts.producer, logger: log });
  let stopping = false;
  let abort = new AbortController();
  let crashed: Error | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let joinedOnce: Promise<void> = new Promise(() => undefined);
  let markJoined: () => void = () => undefined;

  const count = (topic: string, outcome: string) =>
    metrics.metrics.consumerMessages.inc({ consumer: name, topic: unprefixed(topic), outcome });

  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: { code: string; message: string; attempts: number; eventId?: string; type?: string },
  ): Promise<void> {
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: String(partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
      [DLQ_HEADERS.errorCode]: reason.code,
      [DLQ_HEADERS.errorMessage]: reason.message.slice(0, 2_000),
      [DLQ_HEADERS.consumer]: name,
      [DLQ_HEADERS.attempts]: String(reason.attempts),
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      ...(reason.eventId ? { [DLQ_HEADERS.eventId]: reason.eventId } : {}),
      ...(reason.type ? { [DLQ_HEADERS.eventType]: reason.type } : {}),
    };
    await producer.send({ topic: dlqTopic, messages: [{ key: message.key, value: message.value, headers }] });
    log.warn(
      { topic, partition, offset: message.offset, code: reason.code, error: reason.message, eventId: reason.eventId },
      'message dead-lettered',
    );
  }

  /**
   * Handles one message to an outcome. Throws Interrupted when it must be left for redelivery. A handled event's
   * record goes to `marks`, written with the others of the batch before the offset is committed.
   */
  async function handleMessage(
    payload: EachBatchPayload,
    message: KafkaMessage,
    seen: Set<string>,
    marks: Parameters<ProcessedEventsStore['markMany']>[0],
    parsed: ReturnType<typeof parseEvent> = parseEvent(message.value),
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    if (!parsed.ok) {
      const e = parsed.error;
      if (e.code === 'EVENT.UNKNOWN_TYPE' && opts.onUnknownType === 'skip') {
        count(topic, 'ignored');
        return;
      }
      const detail = e.issues.length
        ? `${e.message}: ${e.issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`
        : e.message;
      await deadLetter(topic, partition, message, {
        code: e.code,
        message: detail,
        attempts: 0,
        eventId: e.eventId,
        type: e.type,
      });
      count(topic, 'invalid');
      return;
    }
    const event = parsed.event;
    if (seen.has(event.eventId)) {
      count(topic, 'duplicate');
      return;
    }
    const handler = opts.handlers[event.type] as EventHandler | undefined;
    if (!handler) {
      count(topic, 'ignored');
      return;
    }
    const eventLog = log.child({ eventId: event.eventId, type: event.type, partition, offset: message.offset });
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await handler(event, {
          consumer: name,
          topic,
          partition,
          offset: message.offset,
          attempt,
          heartbeat: payload.heartbeat,
          log: eventLog,
        });
        metrics.metrics.consumerHandleSeconds.observe(
          { consumer: name, type: event.type },
          (performance.now() - started) / 1000,
        );
        recordHandled(topic, partition, message, event, seen, marks);
        return;
      } catch (err) {
        const retryable = isRetryable(err);
        if (!retryable || attempt > retry.retries) {
          await deadLetter(topic, partition, message, {
            code: errorCode(err),
            message: `${retryable ? `gave up after ${attempt} attempts: ` : ''}${(err as Error).message ?? String(err)}`,
            attempts: attempt,
            eventId: event.eventId,
            type: event.type,
          });
          count(topic, 'dead_lettered');
          return;
        }
        metrics.metrics.consumerRetries.inc({ consumer: name, type: event.type });
        const delay = backoff(retry, attempt);
        eventLog.warn({ err: (err as Error).message, attempt, retryInMs: delay }, 'handler failed; will retry');
        await waitBeating(delay, payload);
      }
    }
  }

  /**
   * The record comes after the effect (with the batch's others, before the commit): a crash in between redelivers,
   * and the effect is idempotent.
   */
  function recordHandled(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: KnownEvent,
    seen: Set<string>,
    marks: Parameters<ProcessedEventsStore['markMany']>[0],
  ) {
    if (!idempotentTypes.has(event.type)) {
      marks.push({
        consumer: name,
        eventId: event.eventId,
        type: event.type,
        topic,
        partition,
        offset: message.offset,
      });
    }
    seen.add(event.eventId);
    rememberHandled(event.eventId);
    count(topic, 'handled');
  }

  /**
   * From `start`, the longest run of consecutive messages that parse to new events of one type with a batch handler
   * (at most MAX_RUN); null when the message at `start` does not begin one. Every message looked at is parsed once.
   */
  const MAX_RUN = 500;
  function runAt(messages: KafkaMessage[], parsed: ReturnType<typeof parseEvent>[], start: number, seen: Set<string>) {
    const first = parsed[start]!;
    if (!first.ok || seen.has(first.event.eventId)) return null;
    const type = first.event.type;
    const handler = opts.batchHandlers?.[type] as BatchHandler | undefined;
    if (!handler || !opts.handlers[type]) return null;
    const events: KnownEvent[] = [];
    const ids = new Set<string>();
    for (let i = start; i < messages.length && events.length < MAX_RUN; i++) {
      const p = (parsed[i] ??= parseEvent(messages[i]!.value));
      if (!p.ok || p.event.type !== type || seen.has(p.event.eventId) || ids.has(p.event.eventId)) break;
      events.push(p.event);
      ids.add(p.event.eventId);
    }
    return { type, handler, events };
  }

  /** Backoff that keeps the membership alive and gives way at once to a stop or a lost partition. */
  async function waitBeating(ms: number, payload: EachBatchPayload): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      if (stopping || !payload.isRunning() || payload.isStale()) throw new Interrupted();
      const left = until - Date.now();
      if (left <= 0) return;
      try {
        await sleep(Math.min(left, 1_000), undefined, { signal: abort.signal });
      } catch {
        throw new Interrupted();
      }
      await payload.heartbeat();
    }
  }

  /**
   * Which of a batch's events were handled before. Redeliveries come from where this process was not the one
   * handling: a partition it was just given (the previous owner may have handled past its last commit), a restart, or
   * kafkajs going back after a failed batch. Those batches are checked against the stored records. A batch that
   * continues exactly where this process's own handling of the partition left off cannot hold such a redelivery, so
   * it is checked only against the events this process handled recently (a relay re-publishing an event shortly
   * after); the stored records are not read. That keeps the steady state free of reads: on FerretDB 1.24 every read
   * of the growing record collection is a scan. Handlers are idempotent in any case (see `applyOnce`).
   */
  const handledThrough = new Map<string, string>();
  const recentlyHandled = new Set<string>();
  async function seenBefore(topic: string, partition: number, firstOffset: string | undefined, ids: string[]) {
    const last = handledThrough.get(`${topic}:${partition}`);
    const continues = last !== undefined && firstOffset !== undefined && BigInt(firstOffset) === BigInt(last) + 1n;
    if (!continues) return store.seen(name, ids);
    return new Set(ids.filter((id) => recentlyHandled.has(id)));
  }
  function rememberHandled(eventId: string) {
    recentlyHandled.add(eventId);
    // Bounded: the oldest go first (a Set iterates in insertion order).
    if (recentlyHandled.size > 50_000) recentlyHandled.delete(recentlyHandled.values().next().value!);
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const ids = batch.messages.map((m) => peekEventId(m.value)).filter((id): id is string => !!id);
    const seen = await seenBefore(batch.topic, batch.partition, batch.messages[0]?.offset, ids);
    const marks: Parameters<ProcessedEventsStore['markMany']>[0] = [];
    let resolved: string | undefined;
    let sinceCommit = 0;
    const commit = async () => {
      // One write records every event handled since the last commit; the offset moves only once they are recorded.
      if (marks.length) await store.markMany(marks.splice(0));
      if (resolved === undefined || sinceCommit === 0) return;
      const next = (BigInt(resolved) + 1n).toString();
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      sinceCommit = 0;
    };
    const done = async (message: KafkaMessage) => {
      payload.resolveOffset(message.offset);
      resolved = message.offset;
      handledThrough.set(`${batch.topic}:${batch.partition}`, message.offset);
      if (++sinceCommit >= commitEvery) await commit();
    };
    const messages = batch.messages;
    const parsed: ReturnType<typeof parseEvent>[] = [];
    try {
      for (let i = 0; i < messages.length;) {
        if (stopping || !payload.isRunning() || payload.isStale()) break;
        parsed[i] ??= parseEvent(messages[i]!.value);
        const run = opts.batchHandlers ? runAt(messages, parsed, i, seen) : null;
        if (run) {
          const runMessages = messages.slice(i, i + run.events.length);
          const started = performance.now();
          const ok = await run.handler(run.events, { log }).then(
            () => true,
            (err: Error) => {
              log.warn({ err: err.message, type: run.type, events: run.events.length }, 'batch failed; one by one');
              return false;
            },
          );
          if (ok) {
            metrics.metrics.consumerHandleSeconds.observe(
              { consumer: name, type: run.type },
              (performance.now() - started) / 1000 / run.events.length,
            );
          }
          for (const [k, message] of runMessages.entries()) {
            if (ok) recordHandled(batch.topic, batch.partition, message, run.events[k]!, seen, marks);
            else await handleMessage(payload, message, seen, marks, parsed[i + k]);
            await done(message);
          }
          i += run.events.length;
        } else {
          await handleMessage(payload, messages[i]!, seen, marks, parsed[i]);
          await done(messages[i]!);
          i++;
        }
        await payload.heartbeat();
      }
    } catch (err) {
      if (!(err instanceof Interrupted)) {
        // Leave the message unresolved; kafkajs retries the batch (and restarts the consumer if that keeps failing).
        await commit().catch(() => undefined);
        throw err;
      }
    }
    await commit();
  }

  return {
    name: `consumer:${name}`,
    groupId,
    deadLetterTopic: dlqTopic,
    bindMetrics: (registry) => metrics.bind(registry),
    joined(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${groupId}: not joined within ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([joinedOnce, timeout]).finally(() => clearTimeout(timer));
    },
    async start() {
      stopping = false;
      crashed = undefined;
      abort = new AbortController();
      joinedOnce = new Promise<void>((resolve) => (markJoined = resolve));
      await store.ensureIndexes();

      const specs = opts.topics.filter((t): t is TopicSpec => typeof t !== 'string');
      const admin: Admin = opts.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [...specs, dlqSpec], opts.topicPrefix);
      } finally {
        await admin.disconnect();
      }

      await producer.connect();

      const c = opts.kafka.consumer({
        groupId,
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: opts.heartbeatIntervalMs ?? 3_000,
        maxWaitTimeInMs: opts.maxWaitTimeMs ?? 1_000,
        allowAutoTopicCreation: false,
      });
      c.on(c.events.GROUP_JOIN, (e) => {
        log.info({ assignment: e.payload.memberAssignment }, 'joined consumer group');
        // After a rebalance another member may have handled past this process's last offsets: check everything again.
        handledThrough.clear();
        markJoined();
      });
      c.on(c.events.CRASH, (e) => {
        const error = e.payload.error;
        log.error({ err: error.message, restart: e.payload.restart }, 'consumer crashed');
        if (!e.payload.restart) crashed = error;
      });
      try {
        await c.connect();
        await c.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
          eachBatch,
        });
      } catch (err) {
        // startService retries start(): leave nothing connected behind.
        await c.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      consumer = c;

      const retentionMs = opts.processedRetentionMs ?? 14 * 24 * 3_600_000;
      pruneTimer = setInterval(() => {
        store
          .prune(new Date(Date.now() - retentionMs))
          .catch((err: Error) => log.warn({ err: err.message }, 'prune failed'));
      }, 3_600_000);
      pruneTimer.unref();
      log.info({ topics, deadLetterTopic: dlqTopic }, 'consumer started');
    },
    async stop() {
      stopping = true;
      abort.abort();
      if (pruneTimer) clearInterval(pruneTimer);
      // kafkajs waits for the batch in hand; our loop breaks after the message in hand and commits it.
      await consumer?.disconnect();
      consumer = undefined;
      await producer.disconnect();
    },
    async check() {
      if (!consumer) throw new Error('consumer not running');
      if (crashed) throw new Error(`consumer crashed: ${crashed.message}`);
    },
  };
}

function backoff(policy: RetryPolicy, attempt: number): number {
  // Spread so that replicas retrying the same dependency do not hit it in lockstep.
  return backoffMs(attempt, { baseMs: policy.initialDelayMs, capMs: policy.maxDelayMs, jitter: 'spread' });
}

/** The eventId of a message without full validation, to look up duplicates for a whole batch in one query. */
function peekEventId(value: Buffer | null): string | undefined {
  if (!value) return undefined;
  try {
    const id = (JSON.parse(value.toString('utf8')) as { eventId?: unknown }).eventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
