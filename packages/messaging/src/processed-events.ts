import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '@marketqr/service-kit';

/**
 * Which events a consumer has finished, so a redelivered event (Kafka is at least once: a rebalance, a crash before
 * the offset commit, a relay re-publishing) is skipped instead of handled twice. One document per (consumer, eventId)
 * under a unique index; kept for a retention period and then swept by the application (FerretDB has no TTL indexes).
 */
export interface ProcessedEvent {
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
  /** Records that the consumer finished an event. Recording twice is harmless. */
  mark(record: Omit<ProcessedEvent, 'processedAt'>): Promise<void>;
  /** Deletes records older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
  ensureIndexes(): Promise<void>;
}

const MODEL = 'MarketqrProcessedEvent';

const schema = new Schema<ProcessedEvent>(
  {
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
  return {
    async seen(consumer, eventIds) {
      if (eventIds.length === 0) return new Set();
      const rows = await model.collection
        .find({ consumer, eventId: { $in: eventIds } })
        .project<{ eventId: string }>({ eventId: 1, _id: 0 })
        .toArray();
      return new Set(rows.map((r) => r.eventId));
    },
    async mark(record) {
      try {
        await model.collection.insertOne({ ...record, processedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
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
