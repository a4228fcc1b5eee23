/**
 * FerretDB on PostgreSQL (`MARKETQR_MONGO_BACKEND=postgresql`), started by the project's own infra script: a cluster of
 * its own (Debian's PostgreSQL binaries), FerretDB in front, and every FerretDB index given a GIN twin so that lookups by
 * `_id` or an indexed field use an index instead of reading the whole table (infra/local/postgresql/ferretdb-gin.sql).
 * The plan is read back through FerretDB's `explain`, which answers with PostgreSQL's own plan.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { Schema, type Connection } from 'mongoose';
import { deleteByIds, findIn, keyLookupOf } from '@marketqr/mongo';
import { freePortRun, infra } from '@marketqr/test-harness';

const pgVersions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
const hasPostgres = pgVersions.some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const state = mkdtempSync(join(tmpdir(), 'marketqr-pg-'));
// The cluster runs as the `postgres` user when the tests run as root: it must be able to enter the state folder.
chmodSync(state, 0o755);
const env: NodeJS.ProcessEnv = { MARKETQR_STATE: state, MARKETQR_MONGO_BACKEND: 'postgresql' };
let conn: Connection;

/** PostgreSQL's plan for a find, through FerretDB's explain: the index names its scans use. */
async function indexesUsed(collection: string, filter: Record<string, unknown>): Promise<string[]> {
  const r = await conn.db!.command({ explain: { find: collection, filter } });
  const names: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Index Name'] === 'string') names.push(node['Index Name']);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((r.queryPlanner as { Plan: Record<string, unknown> }).Plan);
  expect(r.filterPushdown).toBe(true);
  return names;
}

(hasPostgres ? describe : describe.skip)('FerretDB on PostgreSQL', () => {
  beforeAll(async () => {
    const base = await freePortRun(2);
    Object.assign(env, { MONGO_PORT: String(base), MARKETQR_PG_PORT: String(base + 1) });
    await infra(['start', 'mongo'], env);
    conn = await mongoose
      .createConnection(`mongodb://127.0.0.1:${env.MONGO_PORT}`, { dbName: 'on_postgresql' })
      .asPromise();
  });

  afterAll(async () => {
    await conn?.close();
    await infra(['stop', 'mongo'], env).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  test('finds, updates and deletes by _id and by an indexed field through GIN indexes; unique still refuses', async () => {
    const Stall = conn.model(
      'Stall',
      new Schema({ _id: String, marketId: String, code: String, n: Number }).index(
        { marketId: 1, code: 1 },
        { unique: true },
      ),
    );
    await Stall.init();
    await Stall.insertMany(
      Array.from({ length: 2_000 }, (_, i) => ({ _id: `st-${i}`, marketId: `m-${i % 20}`, code: `C-${i}`, n: i })),
    );

    expect((await Stall.findById('st-1234').lean())?.code).toBe('C-1234');
    expect(await Stall.countDocuments({ marketId: 'm-7' })).toBe(100);
    await Stall.updateOne({ _id: 'st-1234' }, { $inc: { n: 1 } });
    expect((await Stall.findById('st-1234').lean())?.n).toBe(1235);
    await Stall.deleteOne({ _id: 'st-5' });
    expect(await Stall.findById('st-5').lean()).toBeNull();
    await expect(Stall.create({ _id: 'st-x', marketId: 'm-1', code: 'C-1' })).rejects.toMatchObject({ code: 11000 });

    // Index scans on the GIN twins, not reads of the whole table.
    expect((await indexesUsed('stalls', { _id: 'st-1234' })).some((n) => n.endsWith('_gin'))).toBe(true);
    expect((await indexesUsed('stalls', { marketId: 'm-7' })).some((n) => n.endsWith('_gin'))).toBe(true);
  });

  test('a restart keeps the data and the indexes', async () => {
    await conn.close();
    await infra(['stop', 'mongo'], env);
    await infra(['start', 'mongo'], env);
    conn = await mongoose
      .createConnection(`mongodb://127.0.0.1:${env.MONGO_PORT}`, { dbName: 'on_postgresql' })
      .asPromise();
    expect(await conn.db!.collection('stalls').countDocuments()).toBe(1_999);
    expect((await indexesUsed('stalls', { _id: 'st-42' })).some((n) => n.endsWith('_gin'))).toBe(true);
  });

  test('many keys are looked up one indexed equality each (FerretDB scans the whole table for an $in)', async () => {
    const stalls = conn.db!.collection<{ _id: string; marketId: string; code: string }>('stalls');
    expect(await keyLookupOf(stalls)).toBe('each');
    // The same answers an `$in` gives, by `_id` and by another field.
    const ids = ['st-1', 'st-77', 'st-1999', 'missing'];
    expect((await findIn(stalls, ids)).map((d) => d._id).sort()).toEqual(['st-1', 'st-1999', 'st-77']);
    expect((await findIn(stalls, ['m-3', 'm-4'], { field: 'marketId' })).length).toBe(200);
    expect(await deleteByIds(stalls, ['st-1', 'st-77', 'missing'])).toBe(2);
    expect(await stalls.countDocuments({ _id: { $in: ids } })).toBe(1);
    // Why: an equality is pushed down to PostgreSQL (an index scan), an $in is not.
    const pushed = async (filter: Record<string, unknown>) =>
      (await conn.db!.command({ explain: { find: 'stalls', filter } })).filterPushdown as boolean;
    expect(await pushed({ _id: 'st-5' })).toBe(true);
    expect(await pushed({ _id: { $in: ['st-5', 'st-6'] } })).toBe(false);
  });
});
