import { z } from 'zod';
import { defineEvent } from '../define';
import { accountNumberSchema, bankBinSchema, idSchema, instantSchema, positiveVndSchema } from './common';

export const QR_EXPIRED = 'qr.expired';

/** A dynamic QR passed its expiry unpaid (the sweeper noticed). A payment arriving afterwards is flagged `late`. */
export const qrExpiredV1Schema = z.object({
  qrId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  orderCode: z.string().min(1).max(25),
  amount: positiveVndSchema,
  expiresAt: instantSchema,
  kind: z.literal('dynamic').optional(),
  stallCode: z.string().min(1).max(25).optional(),
  bin: bankBinSchema.optional(),
  accountNumber: accountNumberSchema.optional(),
  /** sha256 (hex) of the payload as issued: what the genuine check and consumers compare. */
  payloadHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type QrExpiredV1 = z.infer<typeof qrExpiredV1Schema>;

export const qrExpiredV1 = defineEvent({
  type: QR_EXPIRED,
  version: 1,
  topic: 'qrEvents',
  key: 'merchantId',
  schema: qrExpiredV1Schema,
  description: 'A dynamic QR expired without being paid.',
});
