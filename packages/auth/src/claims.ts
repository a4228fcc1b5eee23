import { z } from 'zod';

/**
 * Who may do what:
 * - `vendor`: a stall's vendor; sees and acts on its own stall only (`merchantId`).
 * - `market_manager`: a market's management board; its own market only (`marketId`).
 * - `admin`: the operator; everything.
 * - `service`: another MarketQR process (jobs, tools); everything its route allows.
 */
export const ROLES = ['vendor', 'market_manager', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

const id = z.string().min(1).max(128);

/** The claims MarketQR puts in a token besides the registered ones (iss, aud, exp, iat, jti). */
export const principalSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('vendor'), sub: id, merchantId: id, marketId: id.optional() }),
  z.object({ role: z.literal('market_manager'), sub: id, marketId: id }),
  z.object({ role: z.literal('admin'), sub: id }),
  z.object({ role: z.literal('service'), sub: id }),
]);

/** What a request is allowed to be, once its token is verified. `sub` is the user id (or the service name). */
export type PrincipalClaims = z.infer<typeof principalSchema>;
export type Principal = PrincipalClaims & { tokenId?: string; expiresAt: Date };
