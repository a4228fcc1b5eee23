import { z } from 'zod';
import { defineEvent } from '../define';
import { businessDaySchema, idSchema, positiveVndSchema, reasonCodeSchema, reasonTextSchema } from './common';

export const PAYMENT_REVERSED = 'payment.reversed';

/**
 * A confirmed payment no longer counts for the stall (the bank recalled it, or it was refunded to the shopper).
 * Settlement subtracts it from the stall's business day it is booked on (`businessDay`), which may differ from the
 * day the payment was confirmed on (`originalBusinessDay`) if that day was already paid out.
 */
export const paymentReversedV1Schema = z.object({
  paymentId: idSchema,
  reversalId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  amount: positiveVndSchema,
  currency: z.literal('VND'),
  bankTransactionId: idSchema,
  /** Known codes: bank_recall, refund_to_payer, duplicate_notification, other. */
  reasonCode: reasonCodeSchema,
  reason: reasonTextSchema,
  businessDay: businessDaySchema,
  originalBusinessDay: businessDaySchema,
});
export type PaymentReversedV1 = z.infer<typeof paymentReversedV1Schema>;

export const paymentReversedV1 = defineEvent({
  type: PAYMENT_REVERSED,
  version: 1,
  topic: 'paymentEvents',
  key: 'merchantId',
  schema: paymentReversedV1Schema,
  description: "A confirmed payment was reversed and leaves the stall's balance.",
});
