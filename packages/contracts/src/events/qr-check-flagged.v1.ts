import { z } from 'zod';
import { defineEvent } from '../define';
import { accountNumberSchema, bankBinSchema, idSchema, instantSchema } from './common';

export const QR_CHECK_FLAGGED = 'qr.check-flagged';

/**
 * Somebody asked "is this QR genuine?" and the answer was not "genuine": an account that is none of our stalls' (the
 * classic fake QR stuck over a real poster), a revoked or expired QR, a tampered payload. market-insights raises an
 * "unknown poster" alert from these. Nothing about the person who checked is carried.
 *
 * Key: the stall the payload points at when it points at one of ours, else the market the check was made from, else
 * `unknown`.
 */
export const qrCheckFlaggedV1Schema = z.object({
  checkId: idSchema,
  /** Open list: UNKNOWN_ACCOUNT, TAMPERED, REVOKED, EXPIRED, UNREGISTERED_PAYLOAD, STALL_NOT_ACTIVE, NOT_VIETQR, MALFORMED … */
  verdict: z.string().regex(/^[A-Z][A-Z_]{1,63}$/),
  merchantId: idSchema.nullable(),
  /** The stall's market when the payload points at one of our stalls. */
  marketId: idSchema.nullable(),
  /** The market the check was made from (the shopper page passes it), when known. */
  reportedMarketId: idSchema.nullable(),
  stallCode: z.string().min(1).max(25).nullable(),
  qrId: idSchema.nullable(),
  bin: bankBinSchema.nullable(),
  accountNumber: accountNumberSchema.nullable(),
  payloadHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  input: z.enum(['payload', 'image']),
  checkedAt: instantSchema,
});
export type QrCheckFlaggedV1 = z.infer<typeof qrCheckFlaggedV1Schema>;

export const qrCheckFlaggedV1 = defineEvent({
  type: QR_CHECK_FLAGGED,
  version: 1,
  topic: 'qrEvents',
  key: 'merchantId, else the reporting market, else "unknown"',
  schema: qrCheckFlaggedV1Schema,
  description: 'A genuine-QR check flagged a payload (unknown account, tampered, revoked, expired …).',
});
