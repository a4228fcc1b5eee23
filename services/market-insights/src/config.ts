import { z } from 'zod';
import { authConfigShape } from '@marketqr/auth';

/** market-insights' own settings, on top of the shared ones (service-runtime) and auth's (JWT_*). */
export const configShape = {
  ...authConfigShape,
  /**
   * Key of the HMAC that turns a payer's identity into the value stored for new/returning payer statistics. Secret:
   * with it, a guessed name can be tested against the stored hashes. Required outside development and test; changing
   * it makes every payer look new.
   */
  INSIGHTS_PAYER_SALT: z.string().min(16, 'at least 16 characters').optional(),
  /** How often the periodic alert evaluation runs (stopped payments, reconciliation of suspense alerts). */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(60_000),
  /** Days of history a stall's usual hours are learned from (the days before today). */
  ALERT_HISTORY_DAYS: z.coerce.number().int().min(1).max(60).default(14),
  /** An hour is usual for a stall when it had ≥ 1 payment in it on at least this many of those days. */
  ALERT_USUAL_MIN_DAYS: z.coerce.number().int().min(1).max(60).default(4),
  /** Consecutive usual hours passed today without a payment that raise a stopped-payments alert. */
  ALERT_STOPPED_HOURS: z.coerce.number().int().min(1).max(24).default(3),
  /** How long learned usual hours are reused before being learned again (0: every evaluation). */
  ALERT_PROFILE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
  /** A retryable payout failure raises an alert from this attempt on (a non-retryable one always does). */
  ALERT_SETTLEMENT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Longest range a statistics request may span, in days. */
  STATS_MAX_RANGE_DAYS: z.coerce.number().int().min(1).max(3_660).default(366),
  /** Partitions the event consumer handles in parallel (one partition's events are always handled in order). */
  INSIGHTS_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(3),
};
export type InsightsConfig = { [K in keyof typeof configShape]: z.infer<(typeof configShape)[K]> };

/** Known to everyone on purpose: it only ever hashes payers on a developer's machine or in tests. */
export const DEVELOPMENT_PAYER_SALT = 'marketqr-development-payer-salt';
