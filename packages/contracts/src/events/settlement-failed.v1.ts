import { z } from 'zod';
import { defineEvent } from '../define';
import {
  businessDaySchema,
  idSchema,
  instantSchema,
  payoutAccountSchema,
  positiveVndSchema,
  reasonCodeSchema,
  reasonTextSchema,
} from './common';

export const SETTLEMENT_FAILED = 'settlement.failed';

/**
 * The payout of one stall's settlement line failed. `retryable` lines stay queued and are retried at `nextAttemptAt`;
 * the others (closed account, name mismatch) wait for the vendor to fix their payout account.
 */
export const settlementFailedV1Schema = z.object({
  settlementLineId: idSchema,
  batchId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  businessDay: businessDaySchema,
  netAmount: positiveVndSchema,
  currency: z.literal('VND'),
  payoutAccount: payoutAccountSchema,
  /** Known codes: account_closed, name_mismatch, bank_unavailable, timeout, limit_exceeded, rejected, other. */
  reasonCode: reasonCodeSchema,
  reason: reasonTextSchema,
  retryable: z.boolean(),
  nextAttemptAt: instantSchema.nullable(),
  attempt: z.number().int().positive(),
  /** Settlement gave up retrying by itself: a person must look (the line is `needs_attention`). */
  needsAttention: z.boolean().optional(),
});
export type SettlementFailedV1 = z.infer<typeof settlementFailedV1Schema>;

export const settlementFailedV1 = defineEvent({
  type: SETTLEMENT_FAILED,
  version: 1,
  topic: 'settlementEvents',
  key: 'merchantId',
  schema: settlementFailedV1Schema,
  description: "The payout of one stall's settlement line failed, retryable or not.",
});
