import type { mongo } from 'mongoose';

/**
 * Reading and deleting many documents by key, the way the server in front of us answers fastest.
 *
 * - MongoDB answers `{field: {$in: values}}` from the field's index: one query, whatever the list.
 * - FerretDB 1.24 never hands `$in` (nor `$or`) to its backend: it reads the whole collection and filters in Go, so
 *   the cost of one `$in` grows with the collection (measured here, 30,000 documents: 850 ms for 100 ids, on SQLite
 *   and on PostgreSQL alike). On PostgreSQL it does hand down an equality (`{_id: x}`, `{entryId: x}`), which the
 *   indexes answer: 100 single lookups in parallel took 220 ms, and do not grow with the collection. On SQLite
 *   even an `_id` equality is a table scan (26–47 ms each at 30,000), so one `$in` scan is the cheapest there.
 *
 * So the plan is asked of the server once per collection: FerretDB says in `explain` whether a filter was pushed down.
 * Deletes by `_id` use one `delete` command with a statement per id (FerretDB runs each with its `_id` pushed down,
 * closing each statement's read before the next); the same batching of *updates* must not be used on FerretDB 1.24,
 * which keeps every statement's read open until the command ends and locks up past a few dozen statements.
 */
export type KeyLookup = 'in' | 'each';

const plans = new WeakMap<object, Promise<KeyLookup>>();

/** How `findIn`/`deleteByIds` reach documents of this collection (asked of the server once, then remembered). */
export function keyLookupOf<T extends mongo.Document>(collection: mongo.Collection<T>): Promise<KeyLookup> {
  let plan = plans.get(collection);
  if (!plan) {
    plan = askServer(collection).catch(() => 'in' as const);
    plans.set(collection, plan);
  }
  return plan;
}

/**
 * Only FerretDB's explain has `filterPushdown`; MongoDB's never does (and answers `$in` from the index). FerretDB on
 * SQLite pushes an `_id` equality down too, but SQLite then scans the table (its plan reads `SCAN …`), so only the
 * PostgreSQL backend — whose explain is PostgreSQL's plan tree, answered from indexes whatever the table's size —
 * gains from one lookup per key. (Asking whether this one plan uses an index would not do: PostgreSQL plans a
 * sequential scan for the small table every collection is at first.)
 */
async function askServer<T extends mongo.Document>(collection: mongo.Collection<T>): Promise<KeyLookup> {
  const explained = (await collection.find({ _id: 'key-lookup-probe' } as mongo.Filter<T>).explain()) as {
    filterPushdown?: unknown;
    queryPlanner?: { Plan?: unknown };
  };
  const plan = explained.queryPlanner?.Plan;
  const postgresPlan = typeof plan === 'object' && plan !== null && !Array.isArray(plan) && 'Node Type' in plan;
  return explained.filterPushdown === true && postgresPlan ? 'each' : 'in';
}

/** Lookups in flight at once in `each` mode: enough to hide the round trips, few enough to leave room for others. */
const PARALLEL = 16;

/** The documents whose `field` is one of `values` (default field `_id`). */
export async function findIn<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  values: readonly unknown[],
  opts: { field?: string; projection?: mongo.Document } = {},
): Promise<mongo.WithId<T>[]> {
  const field = opts.field ?? '_id';
  const unique = [...new Set(values)];
  if (unique.length === 0) return [];
  const findOpts = opts.projection ? { projection: opts.projection } : {};
  if (unique.length === 1 || (await keyLookupOf(collection)) === 'each') {
    const found: mongo.WithId<T>[] = [];
    await eachLimited(unique, PARALLEL, async (v) => {
      found.push(...(await collection.find({ [field]: v } as mongo.Filter<T>, findOpts).toArray()));
    });
    return found;
  }
  return collection.find({ [field]: { $in: unique } } as mongo.Filter<T>, findOpts).toArray();
}

/** Deletes the documents with these `_id`s in one round trip; returns how many were deleted. */
export async function deleteByIds<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  ids: readonly unknown[],
): Promise<number> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return 0;
  if ((await keyLookupOf(collection)) === 'each') {
    const res = await collection.bulkWrite(
      unique.map((_id) => ({ deleteOne: { filter: { _id } as mongo.Filter<T> } })),
      { ordered: false },
    );
    return res.deletedCount;
  }
  return (await collection.deleteMany({ _id: { $in: unique } } as mongo.Filter<T>)).deletedCount;
}

async function eachLimited<V>(values: V[], limit: number, fn: (v: V) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < values.length) await fn(values[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, worker));
}
