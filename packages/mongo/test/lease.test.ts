import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { testInfra, uniqueName } from '@marketqr/test-harness';
import { createLease } from '../src/lease';

const logger = pino({ level: 'silent' });
let db: Connection;
beforeAll(async () => {
  db = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('lease') }).asPromise();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

const leaseOf = (collection: string, owner: string, ttlMs: number) =>
  createLease(db, { collection, name: 'worker', owner, ttlMs, logger });

test('of many replicas racing for a lease exactly one holds it, until it lets go', async () => {
  const collection = uniqueName('leases');
  const replicas = ['a', 'b', 'c', 'd', 'e'].map((o) => leaseOf(collection, o, 60_000));
  const won = await Promise.all(replicas.map((l) => l.hold()));
  expect(won.filter(Boolean)).toHaveLength(1);
  const holder = replicas[won.indexOf(true)]!;
  expect(holder.held()).toBe(true);
  // Held: asking again keeps it, the others still lose.
  expect(await holder.hold()).toBe(true);
  const others = replicas.filter((l) => l !== holder);
  expect(await Promise.all(others.map((l) => l.hold()))).toEqual([false, false, false, false]);

  await holder.release();
  expect(holder.held()).toBe(false);
  expect(await others[0]!.hold()).toBe(true);
});

test('an expired lease is taken over by another replica, and its old holder does not get it back', async () => {
  const collection = uniqueName('leases');
  // A lease of 1 ms: its holder never trusts its own clock for it, so every hold() asks the database.
  const old = leaseOf(collection, 'old', 1);
  expect(await old.hold()).toBe(true);
  // Expired by the document's own date (as if the holder stalled), so the next replica takes it over.
  await db.collection(collection).updateOne({ _id: 'worker' as never }, { $set: { until: new Date(0) } });
  const next = leaseOf(collection, 'next', 60_000);
  expect(await next.hold()).toBe(true);
  expect(await old.hold()).toBe(false);
  expect(old.held()).toBe(false);
  expect(await db.collection(collection).findOne({ _id: 'worker' as never })).toMatchObject({ owner: 'next' });
});
