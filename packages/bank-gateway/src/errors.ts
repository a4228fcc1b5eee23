import { AppError } from '@marketqr/service-kit';
import type { BankOperation } from './operations';

/**
 * What a caller may conclude about a money-moving call that failed:
 * - `not_applied`: the bank provably did nothing (never reached it, breaker open, or the bank said "not processed");
 *   the caller may try again later with the same idempotency key, or give up.
 * - `unknown`: the request may have been applied (lost response, timeout, bank 5xx). The caller must NOT pick a new
 *   key: it keeps the line pending and asks `payoutStatus` (or re-sends with the same key) later.
 * Reads have no side effects, so for them this is always `not_applied`.
 */
export type BankOutcome = 'not_applied' | 'unknown';

/** Why the gateway could not get an answer, for logs and for callers that degrade differently per cause. */
export type UnavailableReason =
  'breaker_open' | 'overloaded' | 'unreachable' | 'connection_lost' | 'bank_unavailable' | 'bank_error' | 'shut_down';

export interface BankErrorDetails {
  operation: BankOperation;
  /** Network attempts made for this call (0 when the breaker refused it). */
  attempts: number;
  outcome: BankOutcome;
  [key: string]: unknown;
}

/** Every error the gateway throws. Callers switch on `code`; `details.outcome` says whether money may have moved. */
export abstract class BankError extends AppError {
  declare readonly details: BankErrorDetails;
  constructor(code: string, message: string, status: number, details: BankErrorDetails) {
    super(code, message, status, details);
    this.name = new.target.name;
  }
  get operation(): BankOperation {
    return this.details.operation;
  }
  get outcome(): BankOutcome {
    return this.details.outcome;
  }
}

/** The bank cannot be used now: the breaker is open (fail fast, no network), or it was unreachable or answered 5xx. */
export class BankUnavailableError extends BankError {
  static readonly code = 'BANK.UNAVAILABLE';
  constructor(message: string, details: BankErrorDetails & { reason: UnavailableReason; httpStatus?: number }) {
    super(BankUnavailableError.code, message, 503, details);
  }
  get reason(): UnavailableReason {
    return this.details.reason as UnavailableReason;
  }
}

/** No answer within the operation's timeout (ours, or the bank said it timed out itself). */
export class BankTimeoutError extends BankError {
  static readonly code = 'BANK.TIMEOUT';
  constructor(message: string, details: BankErrorDetails & { timeoutMs?: number; httpStatus?: number }) {
    super(BankTimeoutError.code, message, 504, details);
  }
}

/**
 * The bank answered and said no (account not found, unknown BIN, idempotency key reused with another body...).
 * A definitive answer: never retried, and it does not count against the breaker (the bank is healthy).
 */
export class BankRejectedError extends BankError {
  static readonly code = 'BANK.REJECTED';
  constructor(
    message: string,
    details: BankErrorDetails & { bankCode: string; httpStatus: number; bankMessage?: string; bankDetails?: unknown },
  ) {
    super(BankRejectedError.code, message, 422, details);
  }
  /** The bank's own stable code, e.g. `ACCOUNT_NOT_FOUND`, `BIN_NOT_SUPPORTED`, `IDEMPOTENCY_KEY_REUSED`. */
  get bankCode(): string {
    return this.details.bankCode as string;
  }
}

/** The bank answered something we cannot read (not JSON, wrong shape). Not retried: asking again rarely helps. */
export class BankBadResponseError extends BankError {
  static readonly code = 'BANK.BAD_RESPONSE';
  constructor(message: string, details: BankErrorDetails & { httpStatus?: number; problems?: string[] }) {
    super(BankBadResponseError.code, message, 502, details);
  }
}

/** Our own input was wrong (amount not a safe positive integer, malformed BIN, missing idempotency key). Nothing was sent. */
export class BankInvalidRequestError extends AppError {
  static readonly code = 'BANK.INVALID_REQUEST';
  constructor(operation: BankOperation, problems: string[]) {
    super(BankInvalidRequestError.code, `invalid ${operation} request: ${problems.join('; ')}`, 400, {
      operation,
      problems,
    });
    this.name = 'BankInvalidRequestError';
  }
}

export const BANK_ERROR_CODES = {
  UNAVAILABLE: BankUnavailableError.code,
  TIMEOUT: BankTimeoutError.code,
  REJECTED: BankRejectedError.code,
  BAD_RESPONSE: BankBadResponseError.code,
  INVALID_REQUEST: BankInvalidRequestError.code,
} as const;

export function isBankError(e: unknown): e is BankError {
  return e instanceof BankError;
}
