import { z } from 'zod';
import { defineEvent } from '../define';
import { instantSchema } from './common';
import { qrCheckFlaggedV1Schema } from './qr-check-flagged.v1';

export const QR_REPORTED = 'qr.reported';

/**
 * A shopper whom the genuine check warned pressed "Báo mã giả cho ban quản lý" on that warning. It repeats the facts of
 * the flagged check (which stall the code points at or imitates, the account it really pays) so market-insights can
 * raise an urgent alert without asking qr-generation; nothing about the shopper is carried. One per check: the event id
 * is derived from the check id.
 *
 * Key: as qr.check-flagged (the stall, else the market, else `unknown`).
 */
export const qrReportedV1Schema = qrCheckFlaggedV1Schema.omit({ qrId: true, input: true }).extend({
  /** UNKNOWN_ACCOUNT: the code copies this stall's poster but pays `bin`/`accountNumber`. */
  imitates: z.boolean(),
  reportedAt: instantSchema,
});
export type QrReportedV1 = z.infer<typeof qrReportedV1Schema>;

export const qrReportedV1 = defineEvent({
  type: QR_REPORTED,
  version: 1,
  topic: 'qrEvents',
  key: 'merchantId, else the market, else "unknown"',
  schema: qrReportedV1Schema,
  description: 'A shopper reported a QR the genuine check flagged to the market management.',
});
