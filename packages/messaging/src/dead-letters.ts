import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import type { Connection, mongo } from 'mongoose';
import { deadLetterTopic } from '@marketqr/contracts';
import { findIn } from '@marketqr/mongo';
import { unlessDuplicate } from '@marketqr/service-kit';
import { DLQ_HEADERS } from './consumer';
import { createIdempotentProducer, topicOffsets } from './kafka';
import { withPrefix } from './metrics';

/**
 * A service's dead letters — the events its consumers gave up on (see `createEventConsumer`) — and what an operator
 * decided about each: replay it (publish it again to the topic it came from, once the cause is fixed) or discard it
 * (with a reason). The dead-letter topic itself is never changed; decisions live beside the service's data, in
 * `dead_letter_decisions`, one document per dead letter under a unique `_id`, so a decision is taken once: a second
 * replay of the same dead letter is refused as already done, by this process or any other.
 *
 * A replayed event reaches every consumer group of its topic again, not only the one that failed it: the others
 * skip it, having recorded its eventId as processed (`processed-events.ts`). That record also absorbs the one case
 * where a replay is sent twice: the decision is claimed before the send and released if the send fails, so only a
 * process killed between the send and nothing else could leave a claim whose event was never sent (`show` tells).
 */
export interface DeadLetter {
  /** `<partition>:<offset>` in the service's dead-letter topic. */
  id: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  /** The original message's headers, without the ones dead-lettering added. */
  headers: Record<string, string>;
  originalTopic: string;
  consumer: string;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  failedAt: string;
  eventId: string | null;
  eventType: string | null;
  decision: DeadLetterDecision | null;
}

export interface DeadLetterDecision {
  _id: string;
  action: 'replayed' | 'discarded';
  reason: string | null;
  by: string;
  at: Date;
}

export type DecisionOutcome =
  { outcome: 'done'; decision: DeadLetterDecision } | { outcome: 'already'; decision: DeadLetterDecision };

/** A request the dead-letter tools refuse, with a stable code (the CLI prints it and exits 2). */
export class DeadLetterError extends Error {
  constructor(
    readonly code: 'DLQ.NOT_FOUND' | 'DLQ.REASON_REQUIRED' | 'DLQ.BAD_ID',
    message: string,
  ) {
    super(message);
  }
}

export interface DeadLetterTools {
  readonly topic: string;
  /** Every dead letter of the service, oldest first, each with its decision if any. */
  list(): Promise<DeadLetter[]>;
  show(id: string): Promise<DeadLetter>;
  replay(id: string, opts: { by: string }): Promise<DecisionOutcome>;
  discard(id: string, opts: { by: string; reason: string }): Promise<DecisionOutcome>;
  close(): Promise<void>;
}

const ADDED_HEADERS = new Set<string>(Object.values(DLQ_HEADERS));
/** On a replayed message: which dead letter it came from (consumers ignore it; it tells a reader of the topic). */
export const REPLAYED_FROM_HEADER = 'x-replayed-from';

export function deadLetterTools(opts: {
  kafka: Kafka;
  db: Connection;
  service: string;
  topicPrefix?: string;
}): DeadLetterTools {
  const topic = withPrefix(opts.topicPrefix, deadLetterTopic(opts.service).name);
  const decisions = opts.db.collection('dead_letter_decisions') as unknown as mongo.Collection<DeadLetterDecision>;
  const decisionId = (partition: number, offset: string) => `${topic}|${partition}|${offset}`;
  let producer: Producer | undefined;

  /** Reads the dead-letter topic from its start to its end as it is now (a group of its own, removed after). */
  async function readAll(): Promise<DeadLetter[]> {
    const admin = opts.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return [];
      const ends = (await topicOffsets(admin, topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
      if (ends.length === 0) return [];
      const groupId = `marketqr.dlq-reader.${randomUUID()}`;
      const consumer = opts.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      const found: DeadLetter[] = [];
      const left = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                found.push(toDeadLetter(partition, message.offset, message.key, message.value, message.headers));
                if (BigInt(message.offset) >= (left.get(partition) ?? -1n)) left.delete(partition);
                if (left.size === 0) resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
      const taken = await findIn(
        decisions,
        found.map((d) => decisionId(d.partition, d.offset)),
      );
      const byId = new Map(taken.map((d) => [d._id, d]));
      for (const d of found) d.decision = byId.get(decisionId(d.partition, d.offset)) ?? null;
      return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    } finally {
      await admin.disconnect();
    }
  }

  async function find(id: string): Promise<DeadLetter> {
    if (!/^\d+:\d+$/.test(id))
      throw new DeadLetterError('DLQ.BAD_ID', `"${id}" is not a dead letter id (<partition>:<offset>)`);
    const letter = (await readAll()).find((d) => d.id === id);
    if (!letter) throw new DeadLetterError('DLQ.NOT_FOUND', `no dead letter ${id} in ${topic}`);
    return letter;
  }

  /** Takes the decision once: the unique `_id` refuses a second one, whoever tries. */
  async function claim(letter: DeadLetter, decision: Omit<DeadLetterDecision, '_id'>): Promise<DecisionOutcome> {
    const doc = { _id: decisionId(letter.partition, letter.offset), ...decision };
    if (await unlessDuplicate(decisions.insertOne(doc))) return { outcome: 'done', decision: doc };
    return { outcome: 'already', decision: (await decisions.findOne({ _id: doc._id }))! };
  }

  return {
    topic,
    list: readAll,
    show: find,
    async replay(id, { by }) {
      const letter = await find(id);
      if (letter.decision) return { outcome: 'already', decision: letter.decision };
      const claimed = await claim(letter, { action: 'replayed', reason: null, by, at: new Date() });
      if (claimed.outcome === 'already') return claimed;
      try {
        if (!producer) {
          producer = createIdempotentProducer(opts.kafka);
          await producer.connect();
        }
        const headers: IHeaders = { ...letter.headers, [REPLAYED_FROM_HEADER]: `${topic}:${letter.id}` };
        await producer.send({
          topic: letter.originalTopic,
          messages: [{ key: letter.key, value: letter.value, headers }],
        });
      } catch (err) {
        // Not sent: the dead letter stays open, to be replayed again.
        await decisions.deleteOne({ _id: claimed.decision._id });
        throw err;
      }
      return claimed;
    },
    async discard(id, { by, reason }) {
      if (!reason.trim()) throw new DeadLetterError('DLQ.REASON_REQUIRED', 'a discard needs a reason (--reason)');
      const letter = await find(id);
      if (letter.decision) return { outcome: 'already', decision: letter.decision };
      return claim(letter, { action: 'discarded', reason: reason.trim(), by, at: new Date() });
    },
    async close() {
      await producer?.disconnect();
    },
  };
}

function toDeadLetter(
  partition: number,
  offset: string,
  key: Buffer | null,
  value: Buffer | null,
  raw: IHeaders | undefined,
): DeadLetter {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    all[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  const headers = Object.fromEntries(Object.entries(all).filter(([k]) => !ADDED_HEADERS.has(k)));
  return {
    id: `${partition}:${offset}`,
    partition,
    offset,
    key: key?.toString() ?? null,
    value: value?.toString() ?? null,
    headers,
    originalTopic: all[DLQ_HEADERS.originalTopic] ?? '',
    consumer: all[DLQ_HEADERS.consumer] ?? '',
    errorCode: all[DLQ_HEADERS.errorCode] ?? '',
    errorMessage: all[DLQ_HEADERS.errorMessage] ?? '',
    attempts: Number(all[DLQ_HEADERS.attempts] ?? 0),
    failedAt: all[DLQ_HEADERS.failedAt] ?? '',
    eventId: all[DLQ_HEADERS.eventId] ?? null,
    eventType: all[DLQ_HEADERS.eventType] ?? null,
    decision: null,
  };
}
