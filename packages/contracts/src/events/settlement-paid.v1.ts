import { z } from 'zod';
import { defineEvent } from '../define';
import {
  businessDaySchema,
  idSchema,
  instantSchema,
  nonNegativeVndSchema,
  payoutAccountSchema,
  positiveVndSchema,
} from './common';

export const SETTLEMENT_PAID = 'settlement.paid';

/** The bank confirmed the payout of one stall's settlement line. payment-ledger posts the payout entry. */
export const settlementPaidV1Schema = z.object({
  settlementLineId: idSchema,
  batchId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  businessDay: businessDaySchema,
  netAmount: positiveVndSchema,
  /** What the line settled: gross credits = net + fee + charges, so the ledger can post each leg. */
  grossAmount: nonNegativeVndSchema.optional(),
  feeAmount: nonNegativeVndSchema.optional(),
  /** Market charges (rent, cleaning) the vendor agreed to have netted from this payout. */
  chargesAmount: nonNegativeVndSchema.optional(),
  currency: z.literal('VND'),
  payoutAccount: payoutAccountSchema,
  /** The bank's reference for the transfer (what the vendor sees on their statement). */
  bankReference: idSchema,
  paidAt: instantSchema,
});
export type SettlementPaidV1 = z.infer<typeof settlementPaidV1Schema>;

export const settlementPaidV1 = defineEvent({
  type: SETTLEMENT_PAID,
  version: 1,
  topic: 'settlementEvents',
  key: 'merchantId',
  schema: settlementPaidV1Schema,
  description: "One stall's settlement line was paid out to its payout account.",
});
