import mongoose, { type Connection, type mongo } from 'mongoose';
import { testInfra, uniqueName } from '@marketqr/test-harness';
import { InsertBatcher, insertManyReporting } from '../src/insert-batcher';

interface Doc {
  _id: string;
  n: number;
}

let db: Connection;
beforeAll(async () => {
  db = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('insert_batcher') }).asPromise();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

/** The real collection, counting the round trips made through it. */
function counted(name: string) {
  const real = db.collection<Doc>(name);
  const calls = { insertMany: 0 };
  const collection = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'insertMany') {
        return (...args: Parameters<typeof real.insertMany>) => {
          calls.insertMany++;
          return target.insertMany(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as mongo.Collection<Doc>;
  return { collection, calls, real };
}

test('concurrent inserts share round trips, and each caller learns its own document is stored', async () => {
  const { collection, calls, real } = counted(uniqueName('docs'));
  const batcher = new InsertBatcher(collection, { maxItems: 100, maxWaitMs: 20 });
  const outcomes = await Promise.all(Array.from({ length: 250 }, (_, i) => batcher.insert({ _id: `d${i}`, n: i })));
  expect(outcomes.every((o) => o === 'inserted')).toBe(true);
  expect(await real.countDocuments()).toBe(250);
  // 250 documents in batches of at most 100: three round trips where single inserts would make 250.
  expect(calls.insertMany).toBe(3);
});

test('duplicates are decided by the unique key, as insertOne would, inside a batch and across batches', async () => {
  const { collection, real } = counted(uniqueName('docs'));
  await real.insertOne({ _id: 'stored-before', n: 0 });
  const batcher = new InsertBatcher(collection, { maxItems: 10, maxWaitMs: 1_000 });
  const outcomes = await Promise.all([
    batcher.insert({ _id: 'a', n: 1 }),
    batcher.insert({ _id: 'a', n: 2 }),
    batcher.insert({ _id: 'stored-before', n: 3 }),
    batcher.insert({ _id: 'b', n: 4 }),
  ]);
  await batcher.flush();
  // The batch closed on its wait (4 < 10 items): every caller still got an answer.
  expect(outcomes).toEqual(['inserted', 'duplicate', 'duplicate', 'inserted']);
  expect(await real.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
    { _id: 'a', n: 1 },
    { _id: 'b', n: 4 },
    { _id: 'stored-before', n: 0 },
  ]);
});

test('a failure other than a duplicate rejects the callers whose documents were not stored', async () => {
  const name = uniqueName('docs');
  await db.createCollection(name, { validator: { n: { $gte: 0 } } }).catch(() => undefined);
  const { collection, real } = counted(name);
  // Without a validator (FerretDB has none), make the failure another way: a document the server refuses.
  const batcher = new InsertBatcher(collection, { maxItems: 3, maxWaitMs: 1_000 });
  const results = await Promise.allSettled([
    batcher.insert({ _id: 'ok', n: 1 }),
    batcher.insert({ _id: 'bad', n: -1, $bad: true } as unknown as Doc),
    batcher.insert({ _id: 'ok2', n: 2 }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((await real.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id)).toEqual(['ok', 'ok2']);
});

test('an ordered insert stores a prefix: the first refused document stops the rest, and each says what became of it', async () => {
  const { real } = counted(uniqueName('chain'));
  await real.insertOne({ _id: 'acc#3', n: 3 });
  // A writer appending seq 2..5 after another writer took seq 3: 2 goes in, 3 is refused, 4 and 5 are not tried.
  const results = await insertManyReporting(
    real,
    [2, 3, 4, 5].map((n) => ({ _id: `acc#${n}`, n: n * 10 })),
    { ordered: true },
  );
  expect(results.map((r) => r.status)).toEqual(['inserted', 'duplicate', 'skipped', 'skipped']);
  expect((await real.find({}, { sort: { _id: 1 } }).toArray()).map((d) => [d._id, d.n])).toEqual([
    ['acc#2', 20],
    ['acc#3', 3],
  ]);
  // Unordered, the same documents are each tried.
  const again = await insertManyReporting(
    real,
    [3, 4, 5].map((n) => ({ _id: `acc#${n}`, n })),
    { ordered: false },
  );
  expect(again.map((r) => r.status)).toEqual(['duplicate', 'inserted', 'inserted']);
  expect(await insertManyReporting(real, [], { ordered: true })).toEqual([]);
});
