import type { Request, RequestHandler } from 'express';
import {
  authenticate,
  canAccessMarket,
  canAccessStall,
  forbidden,
  principalOf,
  requireRole,
  type Principal,
  type Role,
  type TokenVerifier,
} from '@marketqr/auth';
import type { Stall } from './domain/stall';
import type { Actor } from './stalls/stall.service';

/** The auth checks merchant-onboarding's routes need, over @marketqr/auth, in one place. */
export interface AccessControl {
  /** Verifies a bearer token when there is one; requests without one pass as anonymous. */
  optional: RequestHandler;
  required: RequestHandler;
  role: (...roles: Role[]) => RequestHandler;
  claims: (req: Request) => Principal | undefined;
  actor: (req: Request) => Actor;
  requireMarket: (req: Request, marketId: string) => void;
  requireStall: (req: Request, stall: Stall, opts: { allowVendor: boolean }) => void;
}

export function accessControl(verifier: TokenVerifier): AccessControl {
  return {
    optional: authenticate(verifier, { optional: true }),
    required: authenticate(verifier),
    role: (...roles) => requireRole(...roles),
    claims: (req) => req.auth,
    actor: (req) => {
      const p = principalOf(req);
      return { userId: p.sub, role: p.role };
    },
    requireMarket: (req, marketId) => {
      if (!canAccessMarket(principalOf(req), marketId)) throw forbidden('not allowed for this market');
    },
    requireStall: (req, stall, { allowVendor }) => {
      const p = principalOf(req);
      if (p.role === 'vendor' && !allowVendor) throw forbidden('only a market manager may do this');
      if (!canAccessStall(p, { merchantId: stall._id, marketId: stall.marketId }))
        throw forbidden('not allowed for this stall');
    },
  };
}
