import { z } from 'zod';
import { defineEvent } from '../define';
import { merchantSnapshotShape, reasonTextSchema } from './common';

export const MERCHANT_UPDATED = 'merchant.updated';

/** Snapshot fields a `merchant.updated` may report as changed. */
export const merchantFieldSchema = z.enum([
  'marketName',
  'zone',
  'stallCode',
  'category',
  'vendorName',
  'virtualAccount',
  'payoutAccount',
]);

/**
 * Details of the stall changed. The full snapshot after the change is carried (consumers overwrite their copy);
 * `changedFields` lets a consumer skip work it does not care about (a new payout account matters to settlement only).
 */
export const merchantUpdatedV1Schema = z.object({
  ...merchantSnapshotShape,
  changedFields: z.array(merchantFieldSchema).min(1),
  reason: reasonTextSchema.optional(),
});
export type MerchantUpdatedV1 = z.infer<typeof merchantUpdatedV1Schema>;

export const merchantUpdatedV1 = defineEvent({
  type: MERCHANT_UPDATED,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId',
  schema: merchantUpdatedV1Schema,
  description: "The stall's details changed; the event carries the whole snapshot after the change.",
});
