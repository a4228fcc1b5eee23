import { z } from 'zod';
import { authConfigShape } from '@marketqr/auth';
import { bankGatewayConfigShape } from '@marketqr/bank-gateway';

/** merchant-onboarding's own settings, on top of the shared ones (service-runtime) and auth's (JWT_*). */
export const configShape = {
  ...authConfigShape,
  // Name inquiries and virtual-account registration: quick lookups; a failed one is retried by the verification worker.
  ...bankGatewayConfigShape({ timeoutMs: { max: 60_000, default: 5_000 } }),
  /** First retry delay of a verification the bank could not answer (doubles per attempt, capped at 30 min). */
  VERIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** How often the verification worker looks for due retries. */
  VERIFY_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  /** The first admin login, created at start when no user of that name exists. */
  ADMIN_USERNAME: z
    .string()
    .regex(/^[a-z0-9._-]{3,40}$/)
    .default('admin'),
  ADMIN_PASSWORD: z.string().min(10, 'at least 10 characters').optional(),
  /** Failed logins from one client (a trusted device, else an address) within LOGIN_WINDOW_MS before it is locked. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(15 * 60_000),
  /** The first lockout of a client; each further one doubles, up to LOGIN_MAX_LOCKOUT_MS. */
  LOGIN_LOCKOUT_MS: z.coerce.number().int().min(1_000).default(60_000),
  LOGIN_MAX_LOCKOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(15 * 60_000),
  /**
   * Failed logins on one account from all clients within LOGIN_WINDOW_MS that mean an attack: only its trusted
   * devices may log in until the window ends, and the market's managers are alerted (merchant.login-attack).
   */
  LOGIN_ATTACK_THRESHOLD: z.coerce.number().int().min(2).max(10_000).default(20),
  /**
   * Demo only (default 0: refused): how many days back a manager or admin may date a registration (`registeredAt`) or
   * an approval (`approvedAt`). The demo stack sets it so its seeded market has been on MarketQR for two months and
   * the replayed history (scripts/demo/history.js) has stalls to count in the adoption of past days. In production a
   * stall is registered and approved when it is, and the events say so.
   */
  BACKDATED_ONBOARDING_DAYS: z.coerce.number().int().min(0).max(366).default(0),
};
export type OnboardingConfig = { [K in keyof typeof configShape]: z.infer<(typeof configShape)[K]> };
