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

export const SETTLEMENT_BATCH_CREATED = 'settlement.batch-created';

export const settlementLineSchema = z
  .object({
    settlementLineId: idSchema,
    merchantId: idSchema,
    grossAmount: positiveVndSchema,
    feeAmount: nonNegativeVndSchema,
    /** Market charges (rent, cleaning) the vendor agreed to have netted; absent means none. */
    chargesAmount: nonNegativeVndSchema.optional(),
    netAmount: positiveVndSchema,
    /** The account the money goes to, as verified; copied so the batch is self-contained. */
    payoutAccount: payoutAccountSchema,
  })
  .refine((l) => l.netAmount === l.grossAmount - l.feeAmount - (l.chargesAmount ?? 0), {
    message: 'netAmount = grossAmount - feeAmount - chargesAmount',
  });

/**
 * The day's cut-off closed a market's business day and produced one payout batch for it.
 *
 * Key: the marketId (a batch spans the market's stalls). Per-stall outcomes follow as `settlement.paid` and
 * `settlement.failed`, keyed by merchantId and self-contained, so no consumer needs this event to arrive first.
 */
export const settlementBatchCreatedV1Schema = z
  .object({
    batchId: idSchema,
    marketId: idSchema,
    businessDay: businessDaySchema,
    cutoffAt: instantSchema,
    lines: z.array(settlementLineSchema).min(1),
    lineCount: z.number().int().positive(),
    totalNetAmount: positiveVndSchema,
  })
  .refine((b) => b.lineCount === b.lines.length, { message: 'lineCount = lines.length', path: ['lineCount'] })
  .refine((b) => b.totalNetAmount === b.lines.reduce((s, l) => s + l.netAmount, 0), {
    message: 'totalNetAmount = sum of netAmount',
    path: ['totalNetAmount'],
  });
export type SettlementBatchCreatedV1 = z.infer<typeof settlementBatchCreatedV1Schema>;

export const settlementBatchCreatedV1 = defineEvent({
  type: SETTLEMENT_BATCH_CREATED,
  version: 1,
  topic: 'settlementEvents',
  key: 'marketId',
  schema: settlementBatchCreatedV1Schema,
  description: "A market's business day was closed into a payout batch, one line per stall.",
});
