import { lockedOut } from './errors';

/**
 * Login throttling: after `maxFailures` failed attempts within `windowMs`, a key (an account, a phone number, an IP)
 * is locked for `lockoutMs`. The store is a port: the in-memory one for a single replica and tests, the mongoose one
 * (login-guard.mongo.ts) when replicas must share the counts.
 */
export interface LoginPolicy {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 };

export interface AttemptState {
  /** Failures in the current window (reset to 0 when the key is locked). */
  failures: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
}

export interface LoginAttemptStore {
  get(key: string): Promise<AttemptState | null>;
  /**
   * Counts one failure: starts a new window if the last one is older than `policy.windowMs`; locks the key (and starts
   * counting afresh) when the count reaches `policy.maxFailures`. Returns the state after.
   */
  recordFailure(key: string, now: Date, policy: LoginPolicy): Promise<AttemptState>;
  reset(key: string): Promise<void>;
}

export class LoginGuard {
  constructor(
    private readonly store: LoginAttemptStore,
    private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Throws AppError AUTH.LOCKED (429, details.retryAfterSeconds) while the key is locked. Check before the password. */
  async assertAllowed(key: string): Promise<void> {
    const state = await this.store.get(key);
    const now = this.now().getTime();
    const until = state?.lockedUntil?.getTime() ?? 0;
    if (until > now) throw lockedOut(Math.ceil((until - now) / 1000));
  }

  /** After a wrong password or PIN. Returns whether the key is now locked and how many attempts remain. */
  async recordFailure(key: string): Promise<{ locked: boolean; remaining: number }> {
    const now = this.now();
    const state = await this.store.recordFailure(key, now, this.policy);
    const locked = (state.lockedUntil?.getTime() ?? 0) > now.getTime();
    return { locked, remaining: locked ? 0 : Math.max(0, this.policy.maxFailures - state.failures) };
  }

  /** After a successful login: the key starts clean. */
  async recordSuccess(key: string): Promise<void> {
    await this.store.reset(key);
  }
}

/** For one replica (and tests). Counts vanish on restart, which only ever favours the user. */
export class MemoryLoginAttemptStore implements LoginAttemptStore {
  private readonly states = new Map<string, AttemptState>();

  async get(key: string): Promise<AttemptState | null> {
    const s = this.states.get(key);
    return s ? { ...s } : null;
  }

  async recordFailure(key: string, now: Date, policy: LoginPolicy): Promise<AttemptState> {
    const current = this.states.get(key);
    const fresh = !current?.windowStartedAt || current.windowStartedAt.getTime() <= now.getTime() - policy.windowMs;
    const next: AttemptState = fresh
      ? { failures: 1, windowStartedAt: now, lockedUntil: current?.lockedUntil ?? null }
      : { ...current, failures: current.failures + 1 };
    if (next.failures >= policy.maxFailures) {
      next.failures = 0;
      next.windowStartedAt = now;
      next.lockedUntil = new Date(now.getTime() + policy.lockoutMs);
    }
    this.states.set(key, next);
    return { ...next };
  }

  async reset(key: string): Promise<void> {
    this.states.delete(key);
  }
}
