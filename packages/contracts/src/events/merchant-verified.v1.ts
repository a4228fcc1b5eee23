import { z } from 'zod';
import { defineEvent } from '../define';
import { idSchema, merchantSnapshotShape } from './common';

export const MERCHANT_VERIFIED = 'merchant.verified';

/** The payout account was confirmed: by a bank name inquiry, or by a manager who checked documents. */
export const merchantVerifiedV1Schema = z.object({
  ...merchantSnapshotShape,
  verification: z.object({
    method: z.enum(['name_inquiry', 'manual']),
    /** The holder name the bank returned (name inquiry) or the manager confirmed; also in `payoutAccount.holderName`. */
    holderName: z.string().min(1).max(100),
    /** The bank's inquiry reference, or the manager's user id. */
    reference: idSchema,
  }),
});
export type MerchantVerifiedV1 = z.infer<typeof merchantVerifiedV1Schema>;

export const merchantVerifiedV1 = defineEvent({
  type: MERCHANT_VERIFIED,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId',
  schema: merchantVerifiedV1Schema,
  description: "The stall's payout account was verified; the snapshot carries the bank-confirmed holder name.",
});
