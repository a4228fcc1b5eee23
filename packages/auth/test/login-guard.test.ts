import mongoose, { type Connection } from 'mongoose';
import { testInfra, uniqueName } from '@marketqr/test-harness';
import {
  LoginGuard,
  MemoryLoginAttemptStore,
  MongoLoginAttemptStore,
  type LoginAttemptStore,
  type LoginClient,
  type LoginPolicy,
} from '../src/index';

const policy: LoginPolicy = {
  maxFailures: 3,
  windowMs: 60_000,
  lockoutMs: 10_000,
  maxLockoutMs: 35_000,
  attackThreshold: 7,
};

let db: Connection;
beforeAll(async () => {
  db = await mongoose.createConnection(testInfra().mongoUrl, { dbName: uniqueName('auth_login') }).asPromise();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

/** The same behaviour for every store; time is the test's own clock. */
describe.each<[string, () => LoginAttemptStore]>([
  ['memory', () => new MemoryLoginAttemptStore()],
  ['mongo', () => new MongoLoginAttemptStore(db, uniqueName('attempts'))],
])('login guard with the %s store', (_name, makeStore) => {
  let clock: number;
  let guard: LoginGuard;
  const account = '0901234567';
  const attacker: LoginClient = { ip: '203.0.113.9' };
  const vendorPhone: LoginClient = { ip: '203.0.113.9', trustedDevice: 'dev-1' };
  const elsewhere: LoginClient = { ip: '198.51.100.7' };
  const allowed = async (client: LoginClient) => {
    try {
      await guard.assertAllowed(account, client);
      return 'allowed';
    } catch (e) {
      const err = e as { code: string; details: { reason: string; retryAfterSeconds: number } };
      return `${err.code}:${err.details.reason}:${err.details.retryAfterSeconds}`;
    }
  };
  const fail = (client: LoginClient, n = 1) =>
    (async () => {
      let last;
      for (let i = 0; i < n; i++) last = await guard.recordFailure(account, client);
      return last!;
    })();

  beforeEach(() => {
    clock = Date.parse('2025-03-01T06:00:00Z');
    guard = new LoginGuard(makeStore(), policy, () => new Date(clock));
  });

  it('locks one client after the maximum failures, with a retry-after, and unlocks when the lockout ends', async () => {
    expect(await fail(attacker)).toMatchObject({ locked: false, remaining: 2 });
    expect(await fail(attacker)).toMatchObject({ locked: false, remaining: 1 });
    expect(await allowed(attacker)).toBe('allowed');
    expect(await fail(attacker)).toMatchObject({ locked: true, remaining: 0 });
    clock += 4_000;
    expect(await allowed(attacker)).toBe('AUTH.LOCKED:too_many_failures:6');
    clock += 6_000;
    expect(await allowed(attacker)).toBe('allowed');
  });

  it('lockouts grow: each one twice as long as the one before, up to the maximum', async () => {
    const lengths: number[] = [];
    for (let round = 0; round < 4; round++) {
      await fail(attacker, 3);
      const started = clock;
      while ((await allowed(attacker)) !== 'allowed') clock += 1_000;
      lengths.push(clock - started);
    }
    expect(lengths).toEqual([10_000, 20_000, 35_000, 35_000]);
  });

  it('someone who knows the phone number locks out only themselves: the vendor’s device and other addresses log in', async () => {
    await fail(attacker, 3);
    expect(await allowed(attacker)).toMatch(/^AUTH.LOCKED:too_many_failures/);
    expect(await allowed(vendorPhone)).toBe('allowed');
    expect(await allowed(elsewhere)).toBe('allowed');
  });

  it('many failures from many addresses: an attack, once per window; only trusted devices may log in until it passes', async () => {
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await fail({ ip: `198.51.100.${i}` }));
    expect(results.map((r) => r.attackStarted)).toEqual([false, false, false, false, false, false, true]);
    expect((await fail({ ip: '198.51.100.99' })).attackStarted).toBe(false);
    expect(await allowed({ ip: '192.0.2.1' })).toBe('AUTH.LOCKED:account_under_attack:60');
    expect(await allowed(vendorPhone)).toBe('allowed');
    clock += 60_001;
    expect(await allowed({ ip: '192.0.2.1' })).toBe('allowed');
  });

  it('forgets failures older than the window; a success clears that client only', async () => {
    await fail(attacker, 2);
    clock += 61_000;
    expect(await fail(attacker)).toMatchObject({ locked: false, remaining: 2 });
    await fail(elsewhere, 2);
    await guard.recordSuccess(account, elsewhere);
    expect(await fail(elsewhere)).toMatchObject({ remaining: 2 });
    expect(await fail(attacker)).toMatchObject({ remaining: 1 });
  });
});

describe('mongo login store housekeeping', () => {
  it('prunes stale keys but not locked ones', async () => {
    const store = new MongoLoginAttemptStore(db, uniqueName('attempts'));
    await store.ensureIndexes();
    const t0 = new Date('2025-03-01T00:00:00Z');
    await store.countFailure('stale', t0, 60_000);
    await store.lock('locked', t0, new Date(t0.getTime() + 86_400_000));
    const later = new Date(t0.getTime() + 3_600_000);
    expect(await store.prune(new Date(later.getTime() - 60_000), later)).toBe(1);
    expect(await store.get('stale')).toBeNull();
    expect(await store.get('locked')).not.toBeNull();
  });
});
