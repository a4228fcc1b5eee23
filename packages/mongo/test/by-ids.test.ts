import mongoose, { type Connection, type mongo } from 'mongoose';
import { testInfra, uniqueName } from '@marketqr/test-harness';
import { deleteByIds, findIn, keyLookupOf } from '../src/by-ids';

interface Doc {
  _id: string;
  entryId: string;
  n: number;
}

let db: Connection;
beforeAll(async () => {
  db = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('by_ids') }).asPromise();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

async function seeded(): Promise<mongo.Collection<Doc>> {
  const col = db.collection<Doc>(uniqueName('docs'));
  await col.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `d${i}`, entryId: `e${i % 100}`, n: i })));
  return col;
}

test('finds by _id and by a field exactly what $in finds, whichever way the server is asked', async () => {
  const col = await seeded();
  const ids = ['d5', 'd299', 'missing', 'd5', 'd17'];
  const byIds = await findIn(col, ids);
  expect(byIds.map((d) => d._id).sort()).toEqual(['d17', 'd299', 'd5']);
  const byField = await findIn(col, ['e3', 'e4', 'nope'], { field: 'entryId', projection: { n: 1 } });
  expect(byField.map((d) => d.n).sort((a, b) => a - b)).toEqual([3, 4, 103, 104, 203, 204]);
  expect(byField.every((d) => d.entryId === undefined)).toBe(true);
  expect(await findIn(col, [])).toEqual([]);
});

test('deletes by _id in one call, counting only what was there', async () => {
  const col = await seeded();
  expect(await deleteByIds(col, ['d1', 'd2', 'd2', 'gone'])).toBe(2);
  expect(await col.countDocuments()).toBe(298);
  expect(await col.findOne({ _id: 'd1' })).toBeNull();
  expect(await deleteByIds(col, [])).toBe(0);
});

test('the server is asked once per collection how keys are reached: $in on MongoDB and FerretDB-on-SQLite, one equality per key on FerretDB-on-PostgreSQL', async () => {
  const col = await seeded();
  const plan = await keyLookupOf(col);
  // The local server is FerretDB on PostgreSQL (indexed equalities, no `$in` pushdown) unless MARKETQR_MONGO_BACKEND
  // says sqlite (the test harness sets it from what runs); compose runs MongoDB (its own buildInfo, no ferretdbVersion).
  const ferretdb = 'ferretdbVersion' in (await db.db!.admin().command({ buildInfo: 1 }));
  expect(plan).toBe(ferretdb && process.env.MARKETQR_MONGO_BACKEND === 'postgresql' ? 'each' : 'in');
  // Another collection is asked on its own, and answers the same way (a collection FerretDB has not created yet
  // has no table to plan on: this one is seeded too).
  expect(await keyLookupOf(await seeded())).toBe(plan);
});
