import { z } from 'zod';
import { authConfigShape } from '@marketqr/auth';
import { bankGatewayConfigShape, bankRetryConfigShape } from '@marketqr/bank-gateway';
import { parseCutoff } from './domain/business-day';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

/** settlement's own settings, on top of the shared ones (service-runtime) and auth's (JWT_*). */
export const configShape = {
  ...authConfigShape,
  // A payout attempt may take 15 s (NAPAS transfers are slower than lookups); settlement's retries of a line come on
  // top of the gateway's own quick ones.
  ...bankGatewayConfigShape({ timeoutMs: { max: 120_000, default: 15_000 } }),
  ...bankRetryConfigShape,
  /**
   * The bank's default operating account, debited by payouts of markets that have no collection account configured
   * here; reconciliation reads its statement for those payouts. Optional.
   */
  BANK_OPERATING_ACCOUNT: z
    .string()
    .regex(/^\d{6,19}$/)
    .optional(),
  /** Daily cut-off, `HH:MM` in Asia/Ho_Chi_Minh. */
  SETTLEMENT_CUTOFF: z
    .string()
    .default('22:00')
    .refine((v) => parseCutoff(v) !== undefined, 'expected HH:MM (24 h)'),
  /** Whether this replica runs the cut-off scheduler (every replica may: one wins each market's day). */
  SETTLEMENT_SCHEDULER: onOff('on'),
  SETTLEMENT_SCHEDULER_POLL_MS: ms(50, 3_600_000, 30_000),
  /** Days before the due day the scheduler still closes when it was down at their cut-off. */
  SETTLEMENT_CATCHUP_DAYS: z.coerce.number().int().min(1).max(31).default(3),
  /** A market's cut-off still unfinished after this long is taken over by the worker (its closer died). */
  SETTLEMENT_CLOSING_STALE_MS: ms(1_000, 3_600_000, 60_000),
  /** How often the payout worker looks for due lines (a cut-off in this process wakes it at once). */
  PAYOUT_POLL_MS: ms(20, 600_000, 2_000),
  /** Payouts in flight at once. */
  PAYOUT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Failures (timeouts, unreadable answers) of one issue before a line needs a person. Bank-down waits do not count. */
  PAYOUT_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** First retry delay of a failed payout; doubles per failure up to PAYOUT_RETRY_MAX_MS. */
  PAYOUT_RETRY_BASE_MS: ms(10, 3_600_000, 60_000),
  PAYOUT_RETRY_MAX_MS: ms(10, 86_400_000, 30 * 60_000),
  /** The payout worker's lease: one replica pays at a time; another takes over this long after it died. */
  PAYOUT_LEASE_MS: ms(500, 600_000, 15_000),
  /** How long a stopping worker waits for payouts in flight before leaving them to be resolved by their key. */
  PAYOUT_STOP_GRACE_MS: ms(0, 120_000, 5_000),
};
export type SettlementConfig = { [K in keyof typeof configShape]: z.output<(typeof configShape)[K]> };
