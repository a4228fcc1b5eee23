import { z } from 'zod';
import { defineEvent } from '../define';
import { idSchema, instantSchema } from './common';

export const MERCHANT_LOGIN_ATTACK = 'merchant.login-attack';

/**
 * An account of a market (a vendor's, a manager's) had more failed logins within the throttling window, from all
 * addresses together, than anyone mistyping would make: someone is guessing its PIN or password, or locking its owner
 * out. Only the account's trusted devices may log in until the window ends; market-insights raises an alert for the
 * market's managers. Raised once per account and window. The username itself is not carried (`accountHint` shows its
 * last digits), nor any address.
 *
 * Key: the stall's merchantId for a vendor, else the marketId.
 */
export const merchantLoginAttackV1Schema = z.object({
  userId: idSchema,
  role: z.enum(['vendor', 'market_manager']),
  merchantId: idSchema.nullable(),
  marketId: idSchema,
  /** `******0000`: enough for a manager to know whose account, not to type it. */
  accountHint: z.string().min(1).max(40),
  failures: z.number().int().positive(),
  windowStartedAt: instantSchema,
  detectedAt: instantSchema,
});
export type MerchantLoginAttackV1 = z.infer<typeof merchantLoginAttackV1Schema>;

export const merchantLoginAttackV1 = defineEvent({
  type: MERCHANT_LOGIN_ATTACK,
  version: 1,
  topic: 'merchantEvents',
  key: 'merchantId for a vendor, else marketId',
  schema: merchantLoginAttackV1Schema,
  description: 'Failed logins on one account of a market passed the attack threshold (once per window).',
});
