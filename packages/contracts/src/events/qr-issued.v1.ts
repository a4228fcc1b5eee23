import { z } from 'zod';
import { defineEvent } from '../define';
import { accountNumberSchema, bankBinSchema, idSchema, instantSchema, positiveVndSchema } from './common';

export const QR_ISSUED = 'qr.issued';

/**
 * A QR was issued for a stall. Static: one per stall, printed on the poster, no amount, 62/08 = stall code.
 * Dynamic: shown on the vendor's phone, with an amount, an order code in 62/08 and an expiry.
 * payment-ledger keeps these to match notifications (by order code, then stall code) and to check amounts.
 */
export const qrIssuedV1Schema = z
  .object({
    qrId: idSchema,
    merchantId: idSchema,
    marketId: idSchema,
    kind: z.enum(['static', 'dynamic']),
    stallCode: z.string().min(1).max(25),
    /** What the QR pays into: the stall's virtual account. */
    bin: bankBinSchema,
    accountNumber: accountNumberSchema,
    /** Dynamic QRs only: the reference in 62/08 the bank notification echoes back. */
    orderCode: z.string().min(1).max(25).nullable(),
    /** Dynamic QRs only, in đồng. */
    amount: positiveVndSchema.nullable(),
    /** The full EMVCo payload string, CRC included. */
    payload: z.string().min(20).max(512),
    expiresAt: instantSchema.nullable(),
    /** Serial of the printed poster (static QRs), for the "is this QR genuine?" check. */
    posterSerial: z.string().min(1).max(64).nullable(),
    /** sha256 (hex) of the payload as issued: what the genuine check and consumers compare. */
    payloadHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .superRefine((d, ctx) => {
    if (d.kind === 'dynamic' && (d.amount === null || d.orderCode === null || d.expiresAt === null)) {
      ctx.addIssue({ code: 'custom', message: 'a dynamic QR has an amount, an order code and an expiry' });
    }
    if (d.kind === 'static' && d.amount !== null) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a static QR has no amount' });
    }
  });
export type QrIssuedV1 = z.infer<typeof qrIssuedV1Schema>;

export const qrIssuedV1 = defineEvent({
  type: QR_ISSUED,
  version: 1,
  topic: 'qrEvents',
  key: 'merchantId',
  schema: qrIssuedV1Schema,
  description: 'A static or dynamic VietQR was issued for a stall.',
});
