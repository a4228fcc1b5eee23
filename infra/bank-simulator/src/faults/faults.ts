import { z } from 'zod';
import type { Rng } from '../support/rng';

/**
 * The bank operations faults can target. They are the gateway's operation names (and its metric labels), so a test can
 * say "make payouts time out" in the same words the gateway's dashboards use.
 */
export const BANK_OPERATIONS = [
  'name_inquiry',
  'virtual_account',
  'transaction_lookup',
  'payout',
  'payout_status',
  'statement',
] as const;
export type BankOperation = (typeof BANK_OPERATIONS)[number];

const ms = z.number().int().min(0).max(600_000);

/**
 * One fault rule. The matching rules apply to a request in the order they were set, each in this order:
 *   1. wait `latencyMs` (before the bank looks at the request);
 *   2. `outage`: fail without handling: destroy the connection (`outageMode: 'reset'`) or answer 503;
 *      `errorRate`: answer 503 SERVICE_UNAVAILABLE with this probability, falling linearly to 0 over `recoveryMs`
 *      from when the rule was set (a bank coming back slowly);
 *   3. otherwise the bank HANDLES the request (a payout is booked), and then `lostResponse` loses the answer:
 *      `drop` destroys the connection, `delay` answers only after `responseDelayMs` (past the client's timeout),
 *      `unknown` answers 504 OUTCOME_UNKNOWN ("check the status").
 * Once a rule fails a request (step 2), later rules are not consulted and do not spend their `times` on it.
 * `times` limits the rule to the next N matching requests; `durationMs` to a time window. A 503 here always means
 * "not processed": the gateway relies on that to retry payouts safely.
 */
export const faultRuleSchema = z
  .strictObject({
    operations: z.array(z.enum(BANK_OPERATIONS)).min(1).optional(),
    latencyMs: ms.optional(),
    errorRate: z.number().min(0).max(1).optional(),
    recoveryMs: ms.positive().optional(),
    outage: z.boolean().optional(),
    outageMode: z.enum(['reset', '503']).optional(),
    lostResponse: z.enum(['drop', 'delay', 'unknown']).optional(),
    responseDelayMs: ms.optional(),
    times: z.number().int().positive().optional(),
    durationMs: ms.positive().optional(),
  })
  .refine((r) => r.lostResponse !== 'delay' || r.responseDelayMs !== undefined, {
    message: 'lostResponse "delay" needs responseDelayMs',
  })
  .refine((r) => r.latencyMs || r.errorRate || r.outage || r.lostResponse, {
    message: 'a fault needs at least one of latencyMs, errorRate, outage, lostResponse',
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;

export interface ActiveFault {
  id: string;
  rule: FaultRule;
  setAt: number;
  /** Requests it still applies to, when `times` was given. */
  remaining: number | null;
  hits: number;
}

/** A rule as the admin API shows it. */
export type FaultView = FaultRule & {
  id: string;
  setAt: string;
  remaining: number | null;
  hits: number;
  expiresAt: string | null;
  /** `errorRate` after the recovery ramp, now. */
  currentErrorRate?: number;
};

export type AfterHandling = { mode: 'drop' } | { mode: 'delay'; delayMs: number } | { mode: 'unknown' };

export interface FaultDecision {
  latencyMs: number;
  failure: 'reset' | '503' | null;
  after: AfterHandling | null;
  /** What was applied, for the request log: `latency:300`, `reset`, `503`, `drop`, ... */
  labels: string[];
}

export const NO_FAULT: FaultDecision = { latencyMs: 0, failure: null, after: null, labels: [] };

/**
 * Decides, per request, which faults hit it. The draw for `errorRate` uses the simulator's seeded RNG at the moment
 * the request arrives, so with one seed and one request order a test sees the same failures every run.
 */
export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  constructor(
    private readonly rng: () => Rng,
    private readonly clock: () => number = Date.now,
  ) {}

  set(rules: FaultRule[], append = false): FaultView[] {
    const now = this.clock();
    const added = rules.map((rule) => ({
      id: `f${this.nextId++}`,
      rule,
      setAt: now,
      remaining: rule.times ?? null,
      hits: 0,
    }));
    this.rules = append ? [...this.live(now), ...added] : added;
    return this.view();
  }

  clear(): void {
    this.rules = [];
  }

  reset(): void {
    this.rules = [];
    this.nextId = 1;
  }

  /** The rules still in force, with their effective error rate right now. */
  view(): FaultView[] {
    const now = this.clock();
    return this.live(now).map((f) => ({
      id: f.id,
      ...f.rule,
      setAt: new Date(f.setAt).toISOString(),
      remaining: f.remaining,
      hits: f.hits,
      expiresAt: f.rule.durationMs ? new Date(f.setAt + f.rule.durationMs).toISOString() : null,
      currentErrorRate: f.rule.errorRate !== undefined ? this.errorRateAt(f, now) : undefined,
    }));
  }

  decide(op: BankOperation): FaultDecision {
    const now = this.clock();
    this.rules = this.live(now);
    let decision: FaultDecision | undefined;
    for (const f of this.rules) {
      if (f.rule.operations && !f.rule.operations.includes(op)) continue;
      if (f.remaining !== null) f.remaining -= 1;
      f.hits += 1;
      const d = (decision ??= { latencyMs: 0, failure: null, after: null, labels: [] });
      const { rule } = f;
      if (rule.latencyMs) {
        d.latencyMs += rule.latencyMs;
        d.labels.push(`latency:${rule.latencyMs}`);
      }
      if (rule.outage) {
        d.failure = rule.outageMode ?? 'reset';
        d.labels.push(`outage:${d.failure}`);
      }
      if (!d.failure && rule.errorRate !== undefined) {
        if (this.rng().next() < this.errorRateAt(f, now)) {
          d.failure = '503';
          d.labels.push('error:503');
        }
      }
      // A request that fails before handling is over: later rules neither apply nor spend their `times` on it.
      if (d.failure) break;
      if (!d.after && rule.lostResponse) {
        d.after =
          rule.lostResponse === 'delay'
            ? { mode: 'delay', delayMs: rule.responseDelayMs ?? 0 }
            : { mode: rule.lostResponse };
        d.labels.push(`lost:${rule.lostResponse}`);
      }
    }
    return decision ?? NO_FAULT;
  }

  private errorRateAt(f: ActiveFault, now: number): number {
    const rate = f.rule.errorRate ?? 0;
    if (!f.rule.recoveryMs) return rate;
    return rate * Math.max(0, 1 - (now - f.setAt) / f.rule.recoveryMs);
  }

  private live(now: number): ActiveFault[] {
    return this.rules.filter(
      (f) => (f.remaining === null || f.remaining > 0) && (!f.rule.durationMs || now < f.setAt + f.rule.durationMs),
    );
  }
}
