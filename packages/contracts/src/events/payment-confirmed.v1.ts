import { z } from 'zod';
import { defineEvent } from '../define';
import { businessDaySchema, idSchema, instantSchema, paymentContextShape, positiveVndSchema } from './common';

export const PAYMENT_CONFIRMED = 'payment.confirmed';

/**
 * A bank notification was matched to a stall and the money is the vendor's: announce it, count it towards the
 * business day's settlement. Amount and identifiers are exactly what the bank reported.
 */
export const paymentConfirmedV1Schema = z.object({
  paymentId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  stallCode: z.string().min(1).max(25),
  amount: positiveVndSchema,
  currency: z.literal('VND'),
  /** The partner bank's (or collection service's) transaction id: unique per credit. */
  bankTransactionId: idSchema,
  /** The QR that was paid, when the notification could be tied to one. */
  qrId: idSchema.nullable(),
  /** The dynamic QR's order code echoed by the bank, if any. */
  orderCode: z.string().min(1).max(25).nullable(),
  /** The dynamic QR's amount, when there was one (equal to `amount` here; a mismatch is `payment.flagged`). */
  expectedAmount: positiveVndSchema.nullable(),
  /** Payer's name as the bank reports it, when it does (often upper-case without diacritics). */
  payerName: z.string().max(200).nullable(),
  /** The transfer's free text. */
  description: z.string().max(500),
  /** When the bank booked the credit. */
  paidAt: instantSchema,
  businessDay: businessDaySchema,
  ...paymentContextShape,
});
export type PaymentConfirmedV1 = z.infer<typeof paymentConfirmedV1Schema>;

export const paymentConfirmedV1 = defineEvent({
  type: PAYMENT_CONFIRMED,
  version: 1,
  topic: 'paymentEvents',
  key: 'merchantId',
  schema: paymentConfirmedV1Schema,
  description: 'A payment was matched to a stall and credited to its vendor.',
});
