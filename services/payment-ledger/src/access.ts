import type { Request, RequestHandler } from 'express';
import {
  actorOf,
  assertMarket,
  assertStall,
  authenticate,
  forbidden,
  principalOf,
  type Actor,
  type Principal,
  type TokenVerifier,
} from '@marketqr/auth';
import { AppError } from '@marketqr/service-kit';
import type { Projections } from './matching/projections';

export type { Actor };

/** The auth checks payment-ledger's routes need, over @marketqr/auth, in one place. */
export interface AccessControl {
  required: RequestHandler;
  actor: (req: Request) => Actor;
  principal: (req: Request) => Principal;
  /** The stall's vendor, a manager of its market, an admin (or a service). The market comes from the projection. */
  requireStall: (req: Request, merchantId: string) => Promise<{ marketId: string | null }>;
  requireMarket: (req: Request, marketId: string) => void;
  /** Corrections: a manager of the market, or an admin. Vendors never correct the ledger. */
  requireManagerOf: (req: Request, marketId: string | null) => void;
  requireAdmin: (req: Request) => void;
}

export function accessControl(verifier: TokenVerifier, projections: Projections): AccessControl {
  return {
    required: authenticate(verifier),
    actor: actorOf,
    principal: principalOf,
    requireStall: async (req, merchantId) => {
      const p = principalOf(req);
      // A vendor's scope is its own stall id: decided before any lookup. A manager needs the stall's market; a stall
      // we never heard of has none, so an unknown stall and another market's answer alike (403): no way to learn
      // which ids exist. Admins and services see every market, so for them an unknown stall is a plain 404.
      if (p.role === 'vendor') {
        assertStall(req, { merchantId, marketId: null });
        return { marketId: null };
      }
      const stall = await projections.stall(merchantId);
      if (!stall && (p.role === 'admin' || p.role === 'service')) {
        throw new AppError('LEDGER.STALL_NOT_FOUND', `no stall ${merchantId} is known to the ledger`, 404);
      }
      const marketId = stall?.marketId ?? null;
      assertStall(req, { merchantId, marketId });
      return { marketId };
    },
    requireMarket: assertMarket,
    requireManagerOf: (req, marketId) => {
      const p = principalOf(req);
      if (p.role === 'admin') return;
      if (p.role === 'market_manager' && marketId && p.marketId === marketId) return;
      throw forbidden(marketId ? 'only a manager of this market or an admin may do this' : 'only an admin may do this');
    },
    requireAdmin: (req) => {
      if (principalOf(req).role !== 'admin') throw forbidden('only an admin may do this');
    },
  };
}
