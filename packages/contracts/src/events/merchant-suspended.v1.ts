import { z } from 'zod';
import { defineEvent } from '../define';
import { idSchema, merchantSnapshotShape, reasonCodeSchema, reasonTextSchema } from './common';

export const MERCHANT_SUSPENDED = 'merchant.suspended';

/**
 * The stall may no longer take payments. Payments that still arrive are flagged, not refused (the money is already
 * in the collection account); settlement holds the stall's payouts.
 */
export const merchantSuspendedV1Schema = z.object({
  ...merchantSnapshotShape,
  /** Known codes: suspected_fake_qr, compliance, vendor_request, payout_account_invalid, left_market, other. */
  reasonCode: reasonCodeSchema,
  reason: reasonTextSchema,
  suspendedBy: idSchema,
});
export type MerchantSuspendedV1 = z.infer<typeof merchantSuspendedV1Schema>;

export const merchantSuspendedV1 = defineEvent({
  type: MERCHANT_SUSPENDED,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId',
  schema: merchantSuspendedV1Schema,
  description: 'The stall was suspended, with a reason code and text.',
});
