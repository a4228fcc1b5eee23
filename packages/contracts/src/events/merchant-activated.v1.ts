import { z } from 'zod';
import { defineEvent } from '../define';
import { idSchema, merchantSnapshotShape } from './common';

export const MERCHANT_ACTIVATED = 'merchant.activated';

/** The stall may take payments: qr-generation issues its static QR, payment-ledger starts matching to it. */
export const merchantActivatedV1Schema = z.object({
  ...merchantSnapshotShape,
  /** The manager or admin who approved the stall. */
  activatedBy: idSchema,
  /** True when this re-activates a suspended stall rather than activating a new one. */
  reactivation: z.boolean(),
});
export type MerchantActivatedV1 = z.infer<typeof merchantActivatedV1Schema>;

export const merchantActivatedV1 = defineEvent({
  type: MERCHANT_ACTIVATED,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId',
  schema: merchantActivatedV1Schema,
  description: 'The stall was approved (or re-activated) and may now receive payments.',
});
