import { z } from 'zod';
import { defineEvent } from '../define';
import { merchantSnapshotShape } from './common';

export const MERCHANT_REGISTERED = 'merchant.registered';

/** A vendor registered a stall. Status is normally `pending_verification` until the bank confirms the payout account. */
export const merchantRegisteredV1Schema = z.object({
  ...merchantSnapshotShape,
  /** The user who registered it (the vendor, or a manager registering on a vendor's behalf). */
  registeredBy: z.object({ userId: z.string().min(1).max(128), role: z.enum(['vendor', 'market_manager', 'admin']) }),
});
export type MerchantRegisteredV1 = z.infer<typeof merchantRegisteredV1Schema>;

export const merchantRegisteredV1 = defineEvent({
  type: MERCHANT_REGISTERED,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId',
  schema: merchantRegisteredV1Schema,
  description: 'A stall was registered with its vendor, market, virtual account and (unverified) payout account.',
});
