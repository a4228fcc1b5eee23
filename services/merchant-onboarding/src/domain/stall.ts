import { backoffMs } from '@marketqr/service-kit';
/**
 * A stall (the "merchant" of the events) and the rules of its life:
 *
 *   registered ──name inquiry ok──▶ verified ──manager approves──▶ active ◀──reactivate── suspended
 *        │  ▲                                                         └──────suspend──────────┘
 *        │  └── bank unavailable: stays pending_verification, retried later (visible in `verification`)
 *        └── name mismatch / account rejected: needs manager review (accept → verified, or the vendor fixes the account)
 *
 * Changing the payout account sends the stall back through verification of the new account; an active stall stays
 * active (it keeps taking payments) but settlement pays only a verified account.
 *
 * Each arrow is a pure function in `stall-aggregate.ts` (what it changes, the events it raises, when it refuses).
 */
export type StallStatus = 'pending_verification' | 'verified' | 'active' | 'suspended';

export type VerificationState =
  /** Waiting for a name inquiry (first try, or a retry after the bank was unavailable). */
  | 'pending'
  | 'verified'
  /** The bank's holder name differs from the vendor's name: a manager must look. */
  | 'name_mismatch'
  /** The bank says the account does not exist, is closed or invalid: the vendor must give another. */
  | 'rejected';

export interface AccountRef {
  bin: string;
  accountNumber: string;
}

export interface Verification {
  state: VerificationState;
  attempts: number;
  nextAttemptAt?: Date | null;
  lastError?: string | null;
  bankHolderName?: string | null;
  method?: 'name_inquiry' | 'manual' | null;
  reference?: string | null;
  verifiedAt?: Date | null;
}

export interface AuditEntry {
  at: Date;
  action: string;
  by: string;
  note?: string;
}

export interface Stall {
  _id: string;
  marketId: string;
  stallCode: string;
  zone: string;
  category: string;
  vendor: { fullName: string; phone: string; userId: string };
  payoutAccount: AccountRef & { holderName?: string | null };
  verification: Verification;
  virtualAccount?: AccountRef | null;
  status: StallStatus;
  suspension?: { reasonCode: string; reason: string; by: string; at: Date } | null;
  /**
   * Demo only (BACKDATED_ONBOARDING_DAYS): how far back the stall's onboarding is dated. Its events up to and including
   * the first approval carry occurredAt that much earlier (whoever raises them: the request, the verification worker),
   * so they stay in order for their consumers; the approval clears it, and everything after happens when it happens.
   */
  backdateMs?: number | null;
  /** Bumped by every change; updates are conditional on it so a stale writer changes nothing. */
  version: number;
  history: AuditEntry[];
  createdAt: Date;
  updatedAt: Date;
}

/** Retry delays for a name inquiry that failed because the bank was unavailable: 30 s, 1 min, 2 min … capped at 30 min. */
export function nextVerificationDelayMs(attempts: number, baseMs = 30_000, capMs = 30 * 60_000): number {
  return backoffMs(attempts, { baseMs, capMs });
}

/** A stall can be approved once its payout account is verified and it has a virtual account to be paid into. */
export function canActivate(s: Pick<Stall, 'status' | 'verification' | 'virtualAccount'>): string | undefined {
  if (s.status === 'active') return 'MERCHANT.ALREADY_ACTIVE';
  if (s.status === 'suspended') return 'MERCHANT.SUSPENDED';
  if (s.verification.state !== 'verified') return 'MERCHANT.NOT_VERIFIED';
  if (!s.virtualAccount) return 'MERCHANT.NO_VIRTUAL_ACCOUNT';
  return undefined;
}
