import type { Model, mongo } from 'mongoose';
import { isDuplicateKey } from '@marketqr/service-kit';

// Loose driver typing: documents are the services' own shapes; only the outbox fields matter here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCollection = mongo.Collection<any>;
type Doc = Record<string, unknown>;

export interface ApplyOnceArgs {
  /** Selects exactly one document, by its unique key (include `_id` or a uniquely indexed field when upserting). */
  filter: Doc;
  /** The effect: any single-document update (`$inc`, `$set`, `$push` …). */
  update: Doc;
  eventId: string;
  upsert?: boolean;
  /** Field that remembers recent eventIds on the document. */
  field?: string;
  /**
   * How many recent eventIds the document remembers. Redeliveries come from the uncommitted tail of a partition, so a
   * few dozen per aggregate is plenty; the processed-events collection covers older duplicates. `'all'`: never trim,
   * for a document whose life bounds its list (a stall's counters of one day) and whose list is the only guard.
   */
  keep?: number | 'all';
}

/**
 * Applies a single-document effect at most once per eventId, even without the processed-events marker: the eventId
 * is recorded in the same atomic update as the effect, and the update only matches a document that has not recorded
 * it. This is what makes a crash between "effect stored" and "marker stored / offset committed" harmless.
 *
 * Uses the driver collection (not the model) so the bookkeeping field survives mongoose's strict mode. Works on
 * FerretDB: `$ne` on an array, `$push`, `$pop`; `$push … $slice` is avoided because FerretDB silently ignores it.
 */
export async function applyOnce(
  target: Pick<Model<unknown>, 'collection'> | AnyCollection,
  args: ApplyOnceArgs,
): Promise<'applied' | 'duplicate' | 'not_found'> {
  const col = ('collectionName' in target ? target : target.collection) as unknown as AnyCollection;
  const field = args.field ?? 'appliedEventIds';
  const keep = args.keep ?? 50;
  const push = (args.update.$push ?? {}) as Doc;
  if (field in push) throw new Error(`applyOnce: the update already pushes to ${field}`);
  try {
    const res = await col.updateOne(
      { ...args.filter, [field]: { $ne: args.eventId } },
      { ...args.update, $push: { ...push, [field]: args.eventId } } as mongo.UpdateFilter<mongo.Document>,
      { upsert: args.upsert ?? false },
    );
    if (res.matchedCount === 0 && res.upsertedCount === 0) {
      return (await col.countDocuments(args.filter, { limit: 1 })) > 0 ? 'duplicate' : 'not_found';
    }
  } catch (err) {
    // Upsert: the document exists and already has the eventId, so the guard failed and the insert hit the unique key.
    if (args.upsert && isDuplicateKey(err)) return 'duplicate';
    throw err;
  }
  if (keep === 'all') return 'applied';
  // Bounded memory, one trim per apply (each apply adds one id). Best effort: a failure here loses nothing.
  await col
    .updateOne({ ...args.filter, [`${field}.${keep}`]: { $exists: true } }, { $pop: { [field]: -1 } })
    .catch(() => undefined);
  return 'applied';
}
