import { AppError } from '@marketqr/service-kit';

/**
 * The bank's own error answers: `{error: {code, message, details}}` with the bank's codes (not MarketQR's dotted ones:
 * this process plays a foreign system). The codes are the contract the gateway maps from.
 */
export type BankErrorCode =
  | 'INVALID_REQUEST'
  | 'UNAUTHORIZED'
  | 'BIN_NOT_SUPPORTED'
  | 'ACCOUNT_INVALID'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_CLOSED'
  | 'NOT_PARTNER_ACCOUNT'
  | 'AMOUNT_LIMIT_EXCEEDED'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'TRANSACTION_NOT_FOUND'
  | 'PAYOUT_NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'OUTCOME_UNKNOWN'
  // The shopper's banking app
  | 'QR_INVALID'
  | 'QR_SCHEME_UNSUPPORTED'
  | 'AMOUNT_REQUIRED'
  | 'AMOUNT_MISMATCH'
  | 'INVALID_AMOUNT'
  | 'INSUFFICIENT_FUNDS'
  | 'SHOPPER_NOT_FOUND'
  // Webhook administration
  | 'WEBHOOK_NOT_FOUND'
  | 'DELIVERY_NOT_FOUND';

export const bankError = (code: BankErrorCode, message: string, status = 422, details?: unknown) =>
  new AppError(code, message, status, details);
