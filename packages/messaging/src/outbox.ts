import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { topicFor, type Envelope } from '@marketqr/contracts';
import { insertManyReporting, type InsertResult } from '@marketqr/mongo';
import { isDuplicateKey } from '@marketqr/service-kit';

/**
 * The outbox: a service's state change and the events it raises are stored so that either both happen or neither
 * is ever published, without multi-document transactions, on MongoDB 7+ and on FerretDB 1.24.
 *
 * Why not events embedded in the aggregate with the relay `$pull`-ing them: FerretDB 1.24 (SQLite backend) applies
 * an update as read-modify-write of the whole document without isolation, so two concurrent updates to one
 * document lose one of them (FerretDB issue 3040; measured here: 200 concurrent `$inc` left 5). A relay removing
 * published events from a stall document would, now and then, erase a concurrent business write. So the relay never
 * writes a service's documents; it owns the `outbox` collection and only reads the aggregates.
 *
 * A write with events (`Outbox.update`):
 *   1. insert one record per event into `outbox`, state `staged`, with a fresh writeId (inserts are atomic everywhere);
 *   2. update the aggregate, pushing the writeId onto its `outboxWriteIds` in the same single-document update;
 *   3. mark the records `ready` (or delete them if the update matched nothing) and nudge the relay.
 * A crash after 1 leaves `staged` records: after `verifyAfterMs` the relay looks for their writeId in the aggregate.
 * Found: the change was stored, publish. Not found: it never happened, drop them. Events therefore follow the stored
 * state, even when FerretDB loses a racing update (its writeId is lost with it).
 *
 * A batch of new aggregates (`Outbox.insertBatch`, the ledger's postings) ends step 3 differently: instead of updating
 * every record to `ready`, it inserts one commit marker for the write (state `commit`, sorted just before the write's
 * records), and the relay publishes staged records whose write has a marker. FerretDB updates a matched document at
 * a time (about 4 ms each on PostgreSQL), so marking a group commit's 200 events ready cost most of its time; the
 * marker is one small insert. A writer slower than half of `verifyAfterMs` marks its records ready the old way instead,
 * which notices records the relay has already dropped as a crash's and puts them back.
 *
 * Where a service asks for it (`markerLingerMs`), the marker rides on the next batch when one follows soon: it is
 * prepended to that batch's insert of staged records, so under load a group commit costs the outbox one insert, not
 * two. Every database command
 * costs about as much as a small batch of documents here (measured on FerretDB over PostgreSQL: 1.8 ms of database
 * time for a find by _id, 2.1 ms for an insert of six documents), so commands are what is worth saving.
 */
export interface OutboxRecord {
  /** The eventId: inserting the same event twice fails on the unique _id instead of publishing it twice. */
  _id: string;
  /** `commit`: not an event but the marker saying write `writeId` is stored (see the file comment). */
  state: 'staged' | 'ready' | 'commit';
  /** Topic name without the deployment's prefix: stored events do not depend on a deployment. */
  topic: string;
  /** The Kafka key: the envelope's aggregateId. */
  key: string;
  type: string;
  version: number;
  /** The envelope as JSON, published byte for byte. */
  payload: string;
  /** Where the state change was written, to verify staged records after a crash. */
  source: string;
  docId: unknown;
  writeId: string;
  /** Publication order: by enqueue time, then by position within one write. */
  enqueuedAt: Date;
  seq: number;
}

export const OUTBOX_COLLECTION = 'outbox';
/** The field on an aggregate holding the ids of its recent writes that carried events. */
export const WRITE_IDS_FIELD = 'outboxWriteIds';

/** Mongoose plugin for an aggregate schema that raises events: keeps `outboxWriteIds` from being stripped. */
export function outboxPlugin(schema: Schema): void {
  schema.add({ [WRITE_IDS_FIELD]: { type: [String], default: undefined } });
}

const recordSchema = new Schema<OutboxRecord>(
  {
    _id: { type: String, required: true },
    state: { type: String, required: true },
    topic: { type: String, required: true },
    key: { type: String, required: true },
    type: { type: String, required: true },
    version: { type: Number, required: true },
    payload: { type: String, required: true },
    source: { type: String, required: true },
    docId: { type: Schema.Types.Mixed, required: true },
    writeId: { type: String, required: true },
    enqueuedAt: { type: Date, required: true },
    seq: { type: Number, required: true },
  },
  { collection: OUTBOX_COLLECTION, versionKey: false },
);
recordSchema.index({ enqueuedAt: 1, seq: 1 });
// A write's records are found by their writeId (marked ready, dropped, deleted once published): an equality, which
// FerretDB on PostgreSQL answers from this index, where an `$in` on `_id` reads the whole collection.
recordSchema.index({ writeId: 1 });

const MODEL = 'MarketqrOutboxRecord';

/** The outbox collection's model on a service's connection (registered once; `mongoResource` creates its index). */
export function outboxModel(connection: Connection): Model<OutboxRecord> {
  return (connection.models[MODEL] ?? connection.model(MODEL, recordSchema)) as Model<OutboxRecord>;
}

let sequence = 0;

export function toOutboxRecord(
  event: Envelope,
  at: { source: string; docId: unknown; writeId: string; enqueuedAt: Date; state?: OutboxRecord['state'] },
): OutboxRecord {
  return {
    _id: event.eventId,
    state: at.state ?? 'staged',
    topic: topicFor(event.type, event.version).name,
    key: event.aggregateId,
    type: event.type,
    version: event.version,
    payload: JSON.stringify(event),
    source: at.source,
    docId: at.docId,
    writeId: at.writeId,
    enqueuedAt: at.enqueuedAt,
    // Orders the events of one write, and writes of one process within the same millisecond.
    seq: sequence++,
  };
}

/** The commit marker of a write: sorted just before the write's first record, so the relay reads it with them. */
export function commitMarker(first: OutboxRecord): OutboxRecord {
  return {
    _id: `commit:${first.writeId}`,
    state: 'commit',
    topic: '',
    key: '',
    type: 'commit',
    version: 0,
    payload: '',
    source: first.source,
    docId: null,
    writeId: first.writeId,
    enqueuedAt: first.enqueuedAt,
    seq: first.seq - 0.5,
  };
}

export interface OutboxOptions {
  /** Called after events are ready, typically `() => relay.nudge()`. */
  onReady?: () => void;
  /**
   * The relay's verifyAfterMs: a write that took longer than half of it marks its records ready one by one (and
   * checks none was dropped) instead of inserting a commit marker. Default 10 s, the relay's default.
   */
  verifyAfterMs?: number;
  /** Recent writeIds an aggregate keeps; only crash recovery of staged records needs them. */
  keepWriteIds?: number;
  /**
   * How long a commit marker may wait for the next `insertBatch` to carry it before it is written alone; 0 (the
   * default) writes it at once. Worth it where group commits follow each other closely and publication may lag a few
   * milliseconds (qr-generation: 5 ms). Measured on the ledger's path it cost more than it saved: at 250 payments/s
   * the acknowledgement's p99 rose from about 0.5 s to 0.7–1 s and settlement's p50 from about 40 to 70–150 ms.
   */
  markerLingerMs?: number;
}

export interface OutboxUpdate {
  /** Must select one document by `_id` (plus any conditions, e.g. a version). */
  filter: Record<string, unknown> & { _id: unknown };
  update: Record<string, unknown>;
  events: readonly Envelope[];
  upsert?: boolean;
}

export interface OutboxWriteResult {
  /** Whether the aggregate was written (matched or upserted); when false, no event will be published. */
  written: boolean;
  matchedCount: number;
  upsertedCount: number;
}

export interface Outbox {
  /** A single-document update of an aggregate and the events it raises. */
  update<T>(model: Model<T>, write: OutboxUpdate): Promise<OutboxWriteResult>;
  /** Inserts a new aggregate (`doc._id` required) and its first events. */
  insert<T>(
    model: Model<T>,
    doc: Record<string, unknown> & { _id: unknown },
    events: readonly Envelope[],
  ): Promise<void>;
  /**
   * Inserts many new aggregates with their events in two round trips for the whole batch (stage every event, one
   * `insertMany` of the documents), whatever the batch size, plus a commit marker written after it returns. Reports per document
   * (see `insertManyReporting`); events of a document that was not stored are deleted, never published. `ordered`
   * stops at the first refused document, so what is stored is a prefix (an account's chain stays gapless).
   */
  insertBatch<T>(
    model: Model<T>,
    writes: readonly { doc: Record<string, unknown> & { _id: unknown }; events: readonly Envelope[] }[],
    opts: { ordered: boolean },
  ): Promise<InsertResult[]>;
  /** Resolves once every commit marker of a returned `insertBatch` is written (or failed): before the relay stops. */
  settled(): Promise<void>;
  readonly model: Model<OutboxRecord>;
}

/** The write side of the outbox, on the service's own connection. See the file comment for the protocol. */
export function createOutbox(connection: Connection, opts: OutboxOptions = {}): Outbox {
  const records = outboxModel(connection);
  const col = records.collection as unknown as mongo.Collection<OutboxRecord>;
  const keep = opts.keepWriteIds ?? 50;
  const verifyAfterMs = opts.verifyAfterMs ?? 10_000;
  const markerLingerMs = opts.markerLingerMs ?? 0;
  /** Commit markers still being written after their batch returned (see insertBatch). */
  const markers = new Set<Promise<void>>();
  /** Markers waiting for the next batch to carry them, and the timer that writes them alone if none comes. */
  let waitingMarkers: OutboxRecord[] = [];
  let markerTimer: NodeJS.Timeout | undefined;

  /** Writes commit markers (alone, or that a carrying insert may have missed); a duplicate means already written. */
  function writeMarkers(list: OutboxRecord[]): void {
    if (list.length === 0) return;
    const marking: Promise<void> = col
      .insertMany(list, { ordered: false })
      .then(
        () => opts.onReady?.(),
        (e) => {
          if (isDuplicateKey(e)) opts.onReady?.();
          // Otherwise the relay verifies the records after verifyAfterMs and publishes them then.
        },
      )
      .finally(() => markers.delete(marking));
    markers.add(marking);
  }

  /** The markers waiting now, taken by the caller (the next batch's insert, or the timer). */
  function takeWaitingMarkers(): OutboxRecord[] {
    clearTimeout(markerTimer);
    markerTimer = undefined;
    const taken = waitingMarkers;
    waitingMarkers = [];
    return taken;
  }

  function assertPlugin(model: Model<unknown>) {
    if (!model.schema.path(WRITE_IDS_FIELD)) {
      throw new Error(`outbox: ${model.modelName} must use outboxPlugin (its ${WRITE_IDS_FIELD} would be stripped)`);
    }
  }

  async function stage(model: Model<unknown>, docId: unknown, events: readonly Envelope[]) {
    const writeId = randomUUID();
    const enqueuedAt = new Date();
    const staged = events.map((e) =>
      toOutboxRecord(e, { source: model.collection.collectionName, docId, writeId, enqueuedAt }),
    );
    if (staged.length) await col.insertMany(staged, { ordered: true });
    return { writeId, staged, ids: staged.map((r) => r._id) };
  }

  /** Marks every record still staged under this write ready: all of it, so one equality on `writeId` finds them. */
  async function ready(writeId: string, staged: OutboxRecord[]) {
    if (staged.length === 0) return;
    const res = await col.updateMany({ writeId }, { $set: { state: 'ready' } });
    if (res.matchedCount < staged.length) {
      // This writer was so slow that the relay took its staged records for a crash and dropped them, yet the write
      // is stored: put them back. If the relay had published them instead, this is a harmless duplicate.
      const present = new Set((await col.find({ _id: { $in: staged.map((r) => r._id) } }).toArray()).map((r) => r._id));
      const missing = staged.filter((r) => !present.has(r._id)).map((r) => ({ ...r, state: 'ready' as const }));
      if (missing.length) await col.insertMany(missing, { ordered: false }).catch(ignoreDuplicates);
    }
    opts.onReady?.();
  }

  async function trim(model: Model<unknown>, docId: unknown) {
    // One pop per write keeps the list bounded (each write adds one id). Best effort: a failure loses nothing.
    await model.collection
      .updateOne({ _id: docId, [`${WRITE_IDS_FIELD}.${keep}`]: { $exists: true } } as mongo.Filter<mongo.Document>, {
        $pop: { [WRITE_IDS_FIELD]: -1 },
      })
      .catch(() => undefined);
  }

  return {
    model: records,
    async settled() {
      writeMarkers(takeWaitingMarkers());
      await Promise.all([...markers]);
    },
    async update(model, write) {
      const m = model as unknown as Model<unknown>;
      assertPlugin(m);
      if (write.events.length === 0) {
        // Nothing to publish, so nothing for the relay to verify: a plain write, without a write id to record and trim.
        const res = await m.updateOne(write.filter as never, write.update as never, { upsert: write.upsert ?? false });
        return {
          written: res.matchedCount + res.upsertedCount > 0,
          matchedCount: res.matchedCount,
          upsertedCount: res.upsertedCount,
        };
      }
      const { writeId, staged, ids } = await stage(m, write.filter._id, write.events);
      const push = (write.update.$push ?? {}) as Record<string, unknown>;
      // If this throws, the write may or may not have been applied: the records stay staged for the relay to verify.
      const res = await m.updateOne(
        write.filter as never,
        { ...write.update, $push: { ...push, [WRITE_IDS_FIELD]: writeId } } as never,
        { upsert: write.upsert ?? false },
      );
      const written = res.matchedCount + res.upsertedCount > 0;
      if (!written) {
        await col.deleteMany({ _id: { $in: ids } });
      } else {
        await ready(writeId, staged);
        await trim(m, write.filter._id);
      }
      return { written, matchedCount: res.matchedCount, upsertedCount: res.upsertedCount };
    },
    async insertBatch(model, writes, { ordered }) {
      const m = model as unknown as Model<unknown>;
      assertPlugin(m);
      const writeId = randomUUID();
      const enqueuedAt = new Date();
      const source = m.collection.collectionName;
      const staged = writes.map((w) =>
        w.events.map((e) => toOutboxRecord(e, { source, docId: w.doc._id, writeId, enqueuedAt })),
      );
      const all = staged.flat();
      // Earlier batches' markers first: if this insert fails part way, they are the part most likely stored, and
      // they are written again alone below whatever happened (a duplicate then means they were).
      const carried = all.length ? takeWaitingMarkers() : [];
      try {
        if (all.length) await col.insertMany([...carried, ...all], { ordered: true });
      } catch (e) {
        writeMarkers(carried);
        throw e;
      }
      if (carried.length) opts.onReady?.();
      const docs = writes.map((w) => (w.events.length ? { ...w.doc, [WRITE_IDS_FIELD]: [writeId] } : { ...w.doc }));
      // If this throws, any document may or may not be stored: the staged records wait for the relay to verify them.
      const results = await insertManyReporting(m.collection as unknown as mongo.Collection, docs, { ordered });
      const stored = staged.filter((_, i) => results[i]!.status === 'inserted').flat();
      const refused = staged.filter((_, i) => results[i]!.status !== 'inserted').flat();
      // The refused documents' records go first, so what is left under this writeId is exactly what is to be published.
      if (refused.length) await col.deleteMany({ writeId, _id: { $in: refused.map((r) => r._id) } });
      if (stored.length === 0) return results;
      if (Date.now() - enqueuedAt.getTime() < verifyAfterMs / 2) {
        // The relay drops staged records only after verifyAfterMs, so none of these can be gone yet. The documents and
        // their staged events are stored, which is all a caller waits for: the marker only spares the relay a
        // verification, so it is written while the callers answer and the next batch starts (one round trip off
        // every group commit), by the next batch's insert if one comes within markerLingerMs. Until it lands the
        // write's keys stay blocked in the relay (order per key holds); if it fails, the relay finds the records
        // staged after verifyAfterMs, verifies them and publishes them then.
        if (markerLingerMs <= 0) writeMarkers([commitMarker(stored[0]!)]);
        else {
          waitingMarkers.push(commitMarker(stored[0]!));
          markerTimer ??= setTimeout(() => writeMarkers(takeWaitingMarkers()), markerLingerMs);
        }
      } else {
        await ready(writeId, stored);
      }
      return results;
    },
    async insert(model, doc, events) {
      const m = model as unknown as Model<unknown>;
      assertPlugin(m);
      if (events.length === 0) {
        await m.create(doc);
        return;
      }
      const { writeId, staged, ids } = await stage(m, doc._id, events);
      try {
        await m.create({ ...doc, [WRITE_IDS_FIELD]: [writeId] });
      } catch (err) {
        // A duplicate key is a definite "not written"; anything else is left for the relay to verify.
        if (isDuplicateKey(err)) {
          await col.deleteMany({ _id: { $in: ids } });
        }
        throw err;
      }
      await ready(writeId, staged);
    },
  };
}

function ignoreDuplicates(err: unknown): void {
  if (!isDuplicateKey(err)) throw err;
}
