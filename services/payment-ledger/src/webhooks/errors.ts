import { AppError } from '@marketqr/service-kit';

/** Stable webhook error codes. A provider retries on anything but 2xx, so each says whether a retry can help. */
export const WEBHOOK_ERRORS = {
  /** Missing, malformed or wrong signature: never stored; the provider's retries will fail the same way. */
  BAD_SIGNATURE: 'WEBHOOK.BAD_SIGNATURE',
  /** The signed timestamp is outside the window: a replay or a badly skewed clock. */
  STALE_TIMESTAMP: 'WEBHOOK.STALE_TIMESTAMP',
  /** Not JSON, or not the provider's shape. */
  MALFORMED: 'WEBHOOK.MALFORMED',
  /** Zero, negative (for incoming), fractional or absurdly large. */
  INVALID_AMOUNT: 'WEBHOOK.INVALID_AMOUNT',
  TOO_LARGE: 'WEBHOOK.TOO_LARGE',
  /**
   * A notification id already stored with other content: the stored one stands (it may be posted already); this one
   * is recorded for review and refused. Resending it changes nothing; sending it under a new id is a new payment.
   */
  MODIFIED_RESEND: 'WEBHOOK.MODIFIED_RESEND',
} as const;

export const badSignature = (why: string) => new AppError(WEBHOOK_ERRORS.BAD_SIGNATURE, why, 401);
export const staleTimestamp = (skewSeconds: number) =>
  new AppError(WEBHOOK_ERRORS.STALE_TIMESTAMP, 'the signed timestamp is outside the accepted window', 401, {
    skewSeconds,
  });
export const malformed = (why: string, issues?: { path: string; message: string }[]) =>
  new AppError(WEBHOOK_ERRORS.MALFORMED, why, 400, issues ? { issues } : undefined);
export const invalidAmount = (amount: unknown) =>
  new AppError(WEBHOOK_ERRORS.INVALID_AMOUNT, 'the amount must be a positive integer number of đồng', 400, {
    amount,
  });

export const modifiedResend = (paymentId: string, fields: string[]) =>
  new AppError(
    WEBHOOK_ERRORS.MODIFIED_RESEND,
    'a notification with this id was already received with other content; the first one stands',
    409,
    { paymentId, fields },
  );
