import { z } from 'zod';
import { defineEvent } from '../define';
import { businessDaySchema, idSchema, positiveVndSchema, reasonTextSchema } from './common';

export const PAYMENT_REALLOCATED = 'payment.reallocated';

/**
 * A manager moved a misdirected (or unmatched) payment to the stall it was meant for. One event, keyed by the
 * receiving stall (`toMerchantId`); a consumer that tracks the giving stall applies the debit from it too.
 */
export const paymentReallocatedV1Schema = z.object({
  paymentId: idSchema,
  reallocationId: idSchema,
  /** null when the payment was unmatched (held on the market, not on a stall). */
  fromMerchantId: idSchema.nullable(),
  toMerchantId: idSchema,
  marketId: idSchema,
  amount: positiveVndSchema,
  currency: z.literal('VND'),
  bankTransactionId: idSchema,
  /** The manager's user id. */
  reallocatedBy: idSchema,
  reason: reasonTextSchema,
  businessDay: businessDaySchema,
});
export type PaymentReallocatedV1 = z.infer<typeof paymentReallocatedV1Schema>;

export const paymentReallocatedV1 = defineEvent({
  type: PAYMENT_REALLOCATED,
  version: 1,
  topic: 'paymentEvents',
  key: 'merchantId',
  schema: paymentReallocatedV1Schema,
  description: 'A payment was moved from one stall (or from unmatched) to another; keyed by the receiving stall.',
});
