import type { Request, RequestHandler } from 'express';
import {
  assertEveryMarket,
  assertMarket,
  authenticate,
  principalOf,
  type Principal,
  type TokenVerifier,
} from '@marketqr/auth';

/** The auth checks market-insights' routes need, over @marketqr/auth, in one place. */
export interface AccessControl {
  required: RequestHandler;
  principal: (req: Request) => Principal;
  /** Admins and services: any market; a market's managers: their own. Vendors: none. */
  requireMarket: (req: Request, marketId: string) => void;
  /** The province view (every market at once): admins and services only. */
  requireProvince: (req: Request) => void;
}

export function accessControl(verifier: TokenVerifier): AccessControl {
  return {
    required: authenticate(verifier),
    principal: principalOf,
    requireMarket: assertMarket,
    requireProvince: (req) => assertEveryMarket(req, 'the province view is for administrators'),
  };
}
