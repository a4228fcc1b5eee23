/**
 * The MongoDB-wire server (FerretDB 1.24 here, mongo:8 with containers) does what the services rely on through
 * mongoose 9: CRUD, unique indexes (duplicate → 11000), upserts with findOneAndUpdate, and the aggregation stages that
 * FerretDB supports ($match, $group with $sum). Anything outside this list is not to be used by service code.
 *
 * Two FerretDB 1.24 (SQLite) differences found here are written down in infra/local/README.md and shape how services
 * write: concurrent updates of ONE document lose updates (so one writer per aggregate, and idempotency through unique
 * indexes, which do hold under concurrency), and a $group computes only its FIRST accumulator.
 */
import mongoose, { Schema, type Connection } from 'mongoose';
import { testInfra, uniqueName } from '@marketqr/test-harness';

let conn: Connection;

beforeAll(async () => {
  conn = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('test_mongo') }).asPromise();
});
afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

const stallSchema = new Schema({
  code: { type: String, required: true },
  marketId: { type: String, required: true },
  zone: String,
  balance: { type: Number, default: 0 },
});
stallSchema.index({ marketId: 1, code: 1 }, { unique: true });

test('CRUD round trip', async () => {
  const Stall = conn.model('CrudStall', stallSchema);
  await Stall.createIndexes();
  const created = await Stall.create({ code: 'A-12', marketId: 'cho-nenh', zone: 'A' });
  expect((await Stall.findById(created._id).lean())?.code).toBe('A-12');
  await Stall.updateOne({ _id: created._id }, { $set: { zone: 'B' } });
  expect((await Stall.findById(created._id).lean())?.zone).toBe('B');
  await Stall.deleteOne({ _id: created._id });
  expect(await Stall.countDocuments()).toBe(0);
});

test('a unique index rejects a duplicate with code 11000', async () => {
  const Stall = conn.model('UniqueStall', stallSchema);
  await Stall.createIndexes();
  await Stall.create({ code: 'B-01', marketId: 'cho-nenh' });
  await expect(Stall.create({ code: 'B-01', marketId: 'cho-nenh' })).rejects.toMatchObject({ code: 11000 });
  // Same code in another market is fine: the index is compound.
  await expect(Stall.create({ code: 'B-01', marketId: 'cho-viet-yen' })).resolves.toBeDefined();
  expect(await Stall.countDocuments()).toBe(2);
});

test('findOneAndUpdate with upsert creates the document, then updates it in place', async () => {
  const Stall = conn.model('UpsertStall', stallSchema);
  await Stall.createIndexes();
  const filter = { marketId: 'cho-nenh', code: 'C-07' };
  const first = await Stall.findOneAndUpdate(
    filter,
    { $inc: { balance: 50_000 } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  expect(first?.balance).toBe(50_000);
  // One writer at a time per document (see the header): sequential increments are exact on both servers.
  for (let i = 0; i < 10; i++) {
    await Stall.findOneAndUpdate(filter, { $inc: { balance: 1_000 } }, { upsert: true });
  }
  const before = await Stall.findOneAndUpdate(filter, { $set: { zone: 'C' } }, { returnDocument: 'before' }).lean();
  expect(before?.zone).toBeUndefined();
  expect((await Stall.findOne(filter).lean())?.balance).toBe(60_000);
  expect(await Stall.countDocuments(filter)).toBe(1);
});

test('a unique index admits exactly one of many concurrent inserts (what idempotency relies on)', async () => {
  const Stall = conn.model('RaceStall', stallSchema);
  await Stall.createIndexes();
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => Stall.create({ code: 'D-01', marketId: 'cho-nenh', zone: `try-${i}` })),
  );
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 11000 });
  expect(await Stall.countDocuments({ code: 'D-01' })).toBe(1);
});

test('$match / $group / $sum aggregation (one accumulator per $group)', async () => {
  const Stall = conn.model('AggStall', stallSchema);
  await Stall.insertMany([
    { code: 'A-1', marketId: 'm1', zone: 'A', balance: 100 },
    { code: 'A-2', marketId: 'm1', zone: 'A', balance: 250 },
    { code: 'B-1', marketId: 'm1', zone: 'B', balance: 400 },
    { code: 'X-1', marketId: 'm2', zone: 'A', balance: 999 },
  ]);
  const totals = await Stall.aggregate<{ _id: string; total: number }>([
    { $match: { marketId: 'm1' } },
    { $group: { _id: '$zone', total: { $sum: '$balance' } } },
    { $sort: { _id: 1 } },
  ]);
  expect(totals).toEqual([
    { _id: 'A', total: 350 },
    { _id: 'B', total: 400 },
  ]);
  const counts = await Stall.aggregate<{ _id: string; stalls: number }>([
    { $match: { marketId: 'm1' } },
    { $group: { _id: '$zone', stalls: { $sum: 1 } } },
    { $sort: { _id: 1 } },
  ]);
  expect(counts).toEqual([
    { _id: 'A', stalls: 2 },
    { _id: 'B', stalls: 1 },
  ]);
});
