import type { Request, RequestHandler } from 'express';
import {
  actorOf,
  assertMarket,
  authenticate,
  requireRole,
  type Principal,
  type Role,
  type TokenVerifier,
} from '@marketqr/auth';
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
}

export function accessControl(verifier: TokenVerifier): AccessControl {
  return {
    optional: authenticate(verifier, { optional: true }),
    required: authenticate(verifier),
    role: (...roles) => requireRole(...roles),
    claims: (req) => req.auth,
    actor: actorOf,
    requireMarket: assertMarket,
  };
}
