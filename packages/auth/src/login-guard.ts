import { backoffMs } from '@marketqr/service-kit';
import { lockedOut } from './errors';

/**
 * Login throttling that an outsider cannot turn against the account's owner.
 *
 * Failures are counted per (account, client): the client is the device the user logged in from before (a trusted
 * device token, see merchant-onboarding) or else the network address. After `maxFailures` within `windowMs` that
 * client is locked out, for `lockoutMs` the first time and twice as long each time after, up to `maxLockoutMs`. So
 * someone who knows a vendor's phone number locks out only themselves; the vendor's phone logs in as usual.
 *
 * Failures are also counted per account, from every client. Past `attackThreshold` within the window the account is
 * under attack: clients that are not a trusted device are refused until the window ends (so a PIN cannot be guessed
 * from a thousand addresses), trusted devices still log in, and `onAttack` tells someone (the market's managers).
 *
 * The store is a port: the in-memory one for a single replica and tests, the mongoose one (login-guard.mongo.ts) when
 * replicas must share the counts.
 */
export interface LoginPolicy {
  maxFailures: number;
  windowMs: number;
  /** The first lockout of a client; each further one doubles, up to maxLockoutMs. */
  lockoutMs: number;
  maxLockoutMs: number;
  /** Failures on one account from all clients within windowMs that mean an attack. */
  attackThreshold: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockoutMs: 60_000,
  maxLockoutMs: 15 * 60_000,
  attackThreshold: 20,
};

export interface AttemptState {
  /** Failures in the current window (reset to 0 when the key is locked). */
  failures: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
  /** How many times this key was locked since its last success: the next lockout's length doubles with it. */
  lockouts: number;
}

export interface LoginAttemptStore {
  get(key: string): Promise<AttemptState | null>;
  /** Counts one failure: in the current window, or in a new one if the last is older than `windowMs`. */
  countFailure(key: string, now: Date, windowMs: number): Promise<AttemptState>;
  /** Locks the key until `until`: failures start again from 0 and `lockouts` grows by one. */
  lock(key: string, now: Date, until: Date): Promise<AttemptState>;
  reset(key: string): Promise<void>;
}

/** Who is trying: a device that logged in to this account before, or else only a network address. */
export interface LoginClient {
  ip: string;
  /** An opaque id of a trusted device of this account (never the token itself), when one was presented and valid. */
  trustedDevice?: string | null;
}

export interface FailureResult {
  locked: boolean;
  remaining: number;
  /** This failure took the account past the attack threshold (once per window). */
  attackStarted: boolean;
  accountFailures: number;
  /** When the account's current counting window began (an attack is reported once per window). */
  accountWindowStartedAt: Date;
}

export class LoginGuard {
  constructor(
    private readonly store: LoginAttemptStore,
    private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static clientKey(account: string, client: LoginClient): string {
    return client.trustedDevice ? `${account}|device:${client.trustedDevice}` : `${account}|ip:${client.ip}`;
  }

  static accountKey(account: string): string {
    return `${account}|all`;
  }

  /**
   * Throws AppError AUTH.LOCKED (429, details.retryAfterSeconds) while this client is locked out of the account, or
   * while the account is under attack and the client is not one of its trusted devices. Check before the password.
   */
  async assertAllowed(account: string, client: LoginClient): Promise<void> {
    const now = this.now().getTime();
    const own = await this.store.get(LoginGuard.clientKey(account, client));
    const until = own?.lockedUntil?.getTime() ?? 0;
    if (until > now) throw lockedOut(Math.ceil((until - now) / 1000));
    if (client.trustedDevice) return;
    const all = await this.store.get(LoginGuard.accountKey(account));
    const windowEnd = (all?.windowStartedAt?.getTime() ?? 0) + this.policy.windowMs;
    if (all && all.failures >= this.policy.attackThreshold && windowEnd > now) {
      throw lockedOut(Math.ceil((windowEnd - now) / 1000), 'account_under_attack');
    }
  }

  /** After a wrong password or PIN. */
  async recordFailure(account: string, client: LoginClient): Promise<FailureResult> {
    const now = this.now();
    const key = LoginGuard.clientKey(account, client);
    const [state, all] = await Promise.all([
      this.store.countFailure(key, now, this.policy.windowMs),
      this.store.countFailure(LoginGuard.accountKey(account), now, this.policy.windowMs),
    ]);
    let locked = false;
    if (state.failures >= this.policy.maxFailures) {
      const ms = backoffMs(state.lockouts + 1, { baseMs: this.policy.lockoutMs, capMs: this.policy.maxLockoutMs });
      await this.store.lock(key, now, new Date(now.getTime() + ms));
      locked = true;
    }
    return {
      locked,
      remaining: locked ? 0 : Math.max(0, this.policy.maxFailures - state.failures),
      attackStarted: all.failures === this.policy.attackThreshold,
      accountFailures: all.failures,
      accountWindowStartedAt: all.windowStartedAt ?? now,
    };
  }

  /** After a successful login: this client starts clean (other clients' counts, and the account's, stand). */
  async recordSuccess(account: string, client: LoginClient): Promise<void> {
    await this.store.reset(LoginGuard.clientKey(account, client));
  }
}

/** For one replica (and tests). Counts vanish on restart, which only ever favours the user. */
export class MemoryLoginAttemptStore implements LoginAttemptStore {
  private readonly states = new Map<string, AttemptState>();

  async get(key: string): Promise<AttemptState | null> {
    const s = this.states.get(key);
    return s ? { ...s } : null;
  }

  async countFailure(key: string, now: Date, windowMs: number): Promise<AttemptState> {
    const current = this.states.get(key);
    const fresh = !current?.windowStartedAt || current.windowStartedAt.getTime() <= now.getTime() - windowMs;
    const next: AttemptState = fresh
      ? {
          failures: 1,
          windowStartedAt: now,
          lockedUntil: current?.lockedUntil ?? null,
          lockouts: current?.lockouts ?? 0,
        }
      : { ...current, failures: current.failures + 1 };
    this.states.set(key, next);
    return { ...next };
  }

  async lock(key: string, now: Date, until: Date): Promise<AttemptState> {
    const current = this.states.get(key);
    const next: AttemptState = {
      failures: 0,
      windowStartedAt: now,
      lockedUntil: until,
      lockouts: (current?.lockouts ?? 0) + 1,
    };
    this.states.set(key, next);
    return { ...next };
  }

  async reset(key: string): Promise<void> {
    this.states.delete(key);
  }
}
