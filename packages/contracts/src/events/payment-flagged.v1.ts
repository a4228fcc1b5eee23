import { z } from 'zod';
import { defineEvent } from '../define';
import { businessDaySchema, idSchema, instantSchema, paymentContextShape, positiveVndSchema } from './common';

export const PAYMENT_FLAGGED = 'payment.flagged';

/**
 * A payment needs a person: the amount differs from the dynamic QR's, it could not be tied to any stall, or it came
 * after the QR expired. The money is held (not settled) until a manager resolves it (`payment.reallocated`,
 * `payment.reversed`, or a later `payment.confirmed` for the same paymentId).
 *
 * Key: the merchantId when one was matched; for `unmatched` there is no stall, so the key is the marketId.
 */
export const paymentFlaggedV1Schema = z.object({
  paymentId: idSchema,
  /**
   * `order_code_of_other_stall`: the bank credited one stall's virtual account, but the description carries another
   * stall's order code — the shape of a fake QR (one stall's account and name shown to the shopper, another's code).
   * The money stays with the stall whose account the bank credited; the other stall's QR is not marked paid.
   * `held_for_review`: a notification the bank would never send (an amount over the provider's per-transfer limit, a
   * booking time far from when it arrived): booked to the market's suspense for a manager to check, not announced.
   */
  reason: z.enum(['underpaid', 'overpaid', 'unmatched', 'late', 'order_code_of_other_stall', 'held_for_review']),
  /**
   * Where the ledger credited the money: `stall` for underpaid, overpaid and late payments to a known stall (the money
   * is the vendor's; the flag asks a person to look), `suspense` for unmatched ones (held until a manager reallocates).
   * Settlement counts `stall` credits in the day's line exactly like `payment.confirmed`.
   */
  creditedTo: z.enum(['stall', 'suspense']),
  merchantId: idSchema.nullable(),
  marketId: idSchema,
  amount: positiveVndSchema,
  currency: z.literal('VND'),
  expectedAmount: positiveVndSchema.nullable(),
  bankTransactionId: idSchema,
  qrId: idSchema.nullable(),
  orderCode: z.string().min(1).max(25).nullable(),
  payerName: z.string().max(200).nullable(),
  description: z.string().max(500),
  paidAt: instantSchema,
  businessDay: businessDaySchema,
  ...paymentContextShape,
});
export type PaymentFlaggedV1 = z.infer<typeof paymentFlaggedV1Schema>;

export const paymentFlaggedV1 = defineEvent({
  type: PAYMENT_FLAGGED,
  version: 1,
  topic: 'paymentEvents',
  key: 'merchantId (marketId when unmatched)',
  schema: paymentFlaggedV1Schema,
  description: 'A payment was held for review: underpaid, overpaid, unmatched, late, or another stall’s order code.',
});
