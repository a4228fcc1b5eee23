import mongoose, { type Connection } from 'mongoose';
import { testInfra, uniqueName } from '@marketqr/test-harness';
import {
  LoginGuard,
  MemoryLoginAttemptStore,
  MongoLoginAttemptStore,
  type LoginAttemptStore,
  type LoginPolicy,
} from './index';

const policy: LoginPolicy = { maxFailures: 3, windowMs: 60_000, lockoutMs: 300_000 };

let db: Connection;
beforeAll(async () => {
  db = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('auth_login') }).asPromise();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

/** The same behaviour for every store. */
describe.each<[string, () => LoginAttemptStore]>([
  ['memory', () => new MemoryLoginAttemptStore()],
  ['mongo', () => new MongoLoginAttemptStore(db, uniqueName('attempts'))],
])('login guard with the %s store', (_name, makeStore) => {
  let clock: number;
  let guard: LoginGuard;
  let store: LoginAttemptStore;
  const key = 'phone:+84901234567';
  const lockedCode = async () => {
    try {
      await guard.assertAllowed(key);
      return 'allowed';
    } catch (e) {
      return (e as { code: string; status: number }).code;
    }
  };

  beforeEach(() => {
    clock = Date.parse('2025-03-01T06:00:00Z');
    store = makeStore();
    guard = new LoginGuard(store, policy, () => new Date(clock));
  });

  it('locks after the maximum failures, with a retry-after, and unlocks when the lockout ends', async () => {
    expect(await guard.recordFailure(key)).toEqual({ locked: false, remaining: 2 });
    expect(await guard.recordFailure(key)).toEqual({ locked: false, remaining: 1 });
    expect(await lockedCode()).toBe('allowed');
    expect(await guard.recordFailure(key)).toEqual({ locked: true, remaining: 0 });

    clock += 60_000;
    await expect(guard.assertAllowed(key)).rejects.toMatchObject({
      code: 'AUTH.LOCKED',
      status: 429,
      details: { retryAfterSeconds: 240 },
    });
    clock += 240_000;
    expect(await lockedCode()).toBe('allowed');
    // A fresh allowance after the lockout.
    expect(await guard.recordFailure(key)).toEqual({ locked: false, remaining: 2 });
  });

  it('forgets failures older than the window', async () => {
    await guard.recordFailure(key);
    await guard.recordFailure(key);
    clock += 61_000;
    expect(await guard.recordFailure(key)).toEqual({ locked: false, remaining: 2 });
  });

  it('starts clean after a success, and keeps keys apart', async () => {
    await guard.recordFailure(key);
    await guard.recordFailure(key);
    await guard.recordSuccess(key);
    expect(await guard.recordFailure(key)).toEqual({ locked: false, remaining: 2 });
    for (let i = 0; i < 3; i++) await guard.recordFailure('ip:10.0.0.9');
    expect(await lockedCode()).toBe('allowed');
    await expect(guard.assertAllowed('ip:10.0.0.9')).rejects.toMatchObject({ code: 'AUTH.LOCKED' });
  });
});

describe('mongo login store housekeeping', () => {
  it('prunes stale keys but not locked ones', async () => {
    const store = new MongoLoginAttemptStore(db, uniqueName('attempts'));
    await store.ensureIndexes();
    const t0 = new Date('2025-03-01T00:00:00Z');
    await store.recordFailure('stale', t0, policy);
    for (let i = 0; i < 3; i++) await store.recordFailure('locked', t0, { ...policy, lockoutMs: 86_400_000 });
    const later = new Date(t0.getTime() + 3_600_000);
    expect(await store.prune(new Date(later.getTime() - 60_000), later)).toBe(1);
    expect(await store.get('stale')).toBeNull();
    expect(await store.get('locked')).not.toBeNull();
  });
});
