import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { findIn, insertManyOnce } from '@marketqr/mongo';
import { MicroBatcher } from '@marketqr/service-kit';

/**
 * Which events a consumer has finished, so a redelivered event (Kafka is at least once: a rebalance, a crash before
 * the offset commit, a relay re-publishing) is skipped instead of handled twice. One document per (consumer, eventId)
 * under a unique index; kept for a retention period and then swept by the application (FerretDB has no TTL indexes).
 */
export interface ProcessedEvent {
  /** `<consumer>|<eventId>`: FerretDB answers a lookup by `_id` from its index, any other filter by a scan. */
  _id: string;
  consumer: string;
  eventId: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
  processedAt: Date;
}

export interface ProcessedEventsStore {
  /** The eventIds among `eventIds` this consumer has already finished. One query per batch. */
  seen(consumer: string, eventIds: string[]): Promise<Set<string>>;
  /** Records that the consumer finished these events, in one round trip. Recording twice is harmless. */
  markMany(records: Omit<ProcessedEvent, 'processedAt' | '_id'>[]): Promise<void>;
  /** Deletes records older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
  ensureIndexes(): Promise<void>;
}

const MODEL = 'MarketqrProcessedEvent';

const schema = new Schema<ProcessedEvent>(
  {
    _id: { type: String, required: true },
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    offset: { type: String, required: true },
    processedAt: { type: Date, required: true },
  },
  { collection: 'processed_events', versionKey: false },
);
schema.index({ consumer: 1, eventId: 1 }, { unique: true });
schema.index({ processedAt: 1 });

export function processedEventsStore(connection: Connection): ProcessedEventsStore {
  // Several consumers of one service share the model (registering it twice would throw).
  const model = (connection.models[MODEL] as Model<ProcessedEvent> | undefined) ?? connection.model(MODEL, schema);
  const col = model.collection as unknown as mongo.Collection<ProcessedEvent>;
  // The partitions a consumer handles at once each commit their own small batches; their records travel together,
  // one insertMany for all (each caller still returns only once its own records are stored).
  const marks = new MicroBatcher<Omit<ProcessedEvent, 'processedAt' | '_id'>[], void>(
    { maxItems: 64, maxWaitMs: 2 },
    async (lists) => {
      const at = new Date();
      await insertManyOnce(
        col,
        lists.flat().map((r) => ({ _id: idOf(r.consumer, r.eventId), ...r, processedAt: at })),
      );
      return lists.map(() => ({ ok: true as const, value: undefined }));
    },
  );
  return {
    async seen(consumer, eventIds) {
      if (eventIds.length === 0) return new Set();
      // By `_id`: one `$in` on MongoDB, one indexed lookup per id where FerretDB would scan for an `$in` (the
      // collection grows with every event handled, so a scan per batch would grow with it).
      const rows = await findIn(
        col,
        eventIds.map((id) => idOf(consumer, id)),
        { projection: { eventId: 1 } },
      );
      return new Set(rows.map((r) => r.eventId));
    },
    async markMany(records) {
      if (records.length) await marks.submit(records);
    },
    async prune(before) {
      const res = await model.collection.deleteMany({ processedAt: { $lt: before } });
      return res.deletedCount;
    },
    async ensureIndexes() {
      await model.createCollection().catch((e: { codeName?: string }) => {
        if (e.codeName !== 'NamespaceExists') throw e;
      });
      await model.createIndexes();
    },
  };
}

const idOf = (consumer: string, eventId: string) => `${consumer}|${eventId}`;
