import {
  BankBadResponseError,
  BankRejectedError,
  BankTimeoutError,
  BankUnavailableError,
  type BankError,
  type BankOutcome,
} from './errors';
import type { BankOperation } from './operations';
import type { AttemptFailure, FailureKind } from './transport';

/**
 * The retry policy, in one place.
 *
 * Reads (name inquiry, transaction lookup, payout status, statement) have no side effects: any transient failure is
 * retried. Virtual-account registration is keyed by (collection account, stall ref) at the bank, so a repeat returns
 * the same number: it is retried like a read.
 *
 * A payout always carries an idempotency key (the gateway refuses one without, before the network), and every retry
 * re-sends the SAME key and the same body. It is retried in exactly two situations:
 *  1. the request provably did not take effect: the connection was never made (`not_sent`), or the bank answered
 *     503/429, which by its contract means "not processed";
 *  2. the outcome is unknown (`timeout`, `connection_lost`, `bank_error`, `bank_timeout`/OUTCOME_UNKNOWN): the bank
 *     may have moved the money. We then "check the status" by re-presenting the same key: the bank answers from its
 *     idempotency store with the original payout (flagged `replayed`) and never transfers twice. If it had not seen the
 *     key, the re-send is the first transfer.
 * A definitive answer (2xx, a 4xx rejection) or an unreadable one is never retried.
 */
const TRANSIENT: ReadonlySet<FailureKind> = new Set([
  'not_sent',
  'connection_lost',
  'timeout',
  'bank_unavailable',
  'bank_error',
  'bank_timeout',
]);
const PAYOUT_NOT_APPLIED: FailureKind[] = ['not_sent', 'bank_unavailable'];
const PAYOUT_CHECK_STATUS: FailureKind[] = ['timeout', 'connection_lost', 'bank_error', 'bank_timeout'];

export const RETRY_ON: Record<BankOperation, ReadonlySet<FailureKind>> = {
  name_inquiry: TRANSIENT,
  virtual_account: TRANSIENT,
  transaction_lookup: TRANSIENT,
  payout: new Set([...PAYOUT_NOT_APPLIED, ...PAYOUT_CHECK_STATUS]),
  payout_status: TRANSIENT,
  statement: TRANSIENT,
};

/** Operations that change something at the bank, for which "did it happen?" matters to the caller. */
const WRITES: ReadonlySet<BankOperation> = new Set(['payout', 'virtual_account']);

export function isRetryable(op: BankOperation, kind: FailureKind): boolean {
  return RETRY_ON[op].has(kind);
}

/** Whether this failure leaves a write possibly applied. */
export function leavesOutcomeUnknown(op: BankOperation, kind: FailureKind): boolean {
  if (!WRITES.has(op)) return false;
  return kind !== 'not_sent' && kind !== 'bank_unavailable' && kind !== 'rejected';
}

export function toBankError(
  op: BankOperation,
  failure: AttemptFailure,
  ctx: { attempts: number; outcome: BankOutcome; timeoutMs: number },
): BankError {
  const base = { operation: op, attempts: ctx.attempts, outcome: ctx.outcome };
  const { info } = failure;
  const after = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  switch (failure.kind) {
    case 'rejected':
      return new BankRejectedError(
        `bank rejected ${op}: ${info.bankCode}${info.bankMessage ? ` (${info.bankMessage})` : ''}`,
        {
          ...base,
          bankCode: info.bankCode ?? 'UNKNOWN',
          httpStatus: info.httpStatus ?? 0,
          bankMessage: info.bankMessage,
          bankDetails: info.bankDetails,
        },
      );
    case 'timeout':
      return new BankTimeoutError(`bank did not answer ${op} within ${ctx.timeoutMs} ms${after}`, {
        ...base,
        timeoutMs: ctx.timeoutMs,
      });
    case 'bank_timeout':
      return new BankTimeoutError(`bank could not tell the outcome of ${op}${after}: ${failure.message}`, {
        ...base,
        httpStatus: info.httpStatus,
        bankCode: info.bankCode,
      });
    case 'bad_response':
      return new BankBadResponseError(`bank answered ${op} with something unreadable: ${failure.message}`, {
        ...base,
        httpStatus: info.httpStatus,
        problems: info.problems,
      });
    case 'not_sent':
      return new BankUnavailableError(`bank unreachable for ${op}${after}: ${failure.message}`, {
        ...base,
        reason: 'unreachable',
      });
    case 'connection_lost':
      return new BankUnavailableError(`connection to the bank lost during ${op}${after}: ${failure.message}`, {
        ...base,
        reason: 'connection_lost',
      });
    case 'bank_unavailable':
      return new BankUnavailableError(`bank unavailable for ${op}${after}: ${failure.message}`, {
        ...base,
        reason: 'bank_unavailable',
        httpStatus: info.httpStatus,
        bankCode: info.bankCode,
      });
    case 'bank_error':
      return new BankUnavailableError(`bank failed ${op}${after}: ${failure.message}`, {
        ...base,
        reason: 'bank_error',
        httpStatus: info.httpStatus,
        bankCode: info.bankCode,
      });
  }
}
