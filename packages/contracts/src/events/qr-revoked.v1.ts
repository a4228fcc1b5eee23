import { z } from 'zod';
import { defineEvent } from '../define';
import { idSchema, reasonCodeSchema, reasonTextSchema } from './common';

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
