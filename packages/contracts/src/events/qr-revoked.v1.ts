import { z } from 'zod';
import { defineEvent } from '../define';
import {
  accountNumberSchema,
  bankBinSchema,
  idSchema,
  instantSchema,
  positiveVndSchema,
  reasonCodeSchema,
  reasonTextSchema,
} from './common';

export const QR_REVOKED = 'qr.revoked';

/** A QR must no longer be honoured (poster replaced, stall suspended, dynamic QR cancelled by the vendor). */
export const qrRevokedV1Schema = z.object({
  qrId: idSchema,
  merchantId: idSchema,
  marketId: idSchema,
  kind: z.enum(['static', 'dynamic']),
  orderCode: z.string().min(1).max(25).nullable(),
  /** Known codes: poster_replaced, merchant_suspended, cancelled_by_vendor, suspected_tampering, other. */
  reasonCode: reasonCodeSchema,
  reason: reasonTextSchema,
  /** Optional context so a consumer that missed qr.issued still knows what was revoked. */
  stallCode: z.string().min(1).max(25).optional(),
  bin: bankBinSchema.optional(),
  accountNumber: accountNumberSchema.optional(),
  amount: positiveVndSchema.nullable().optional(),
  expiresAt: instantSchema.nullable().optional(),
  /** sha256 (hex) of the payload as issued: what the genuine check and consumers compare. */
  payloadHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type QrRevokedV1 = z.infer<typeof qrRevokedV1Schema>;

export const qrRevokedV1 = defineEvent({
  type: QR_REVOKED,
  version: 1,
  topic: 'qrEvents',
  key: 'merchantId',
  schema: qrRevokedV1Schema,
  description: 'A QR was revoked; payments to it are flagged from now on.',
});
