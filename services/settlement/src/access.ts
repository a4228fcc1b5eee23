import type { Request, RequestHandler } from 'express';
import {
  assertMarket,
  assertStall,
  assertStallManager,
  authenticate,
  forbidden,
  principalOf,
  requireRole,
  type Principal,
  type Role,
  type TokenVerifier,
} from '@marketqr/auth';

/** The auth checks settlement's routes need, over @marketqr/auth, in one place. */
export interface AccessControl {
  required: RequestHandler;
  role: (...roles: Role[]) => RequestHandler;
  principal: (req: Request) => Principal;
  /** Admins, services and the market's managers. */
  requireMarket: (req: Request, marketId: string) => void;
  /**
   * A stall's data: its vendor, its market's managers, admins. `marketId` is null when settlement has not seen the
   * stall yet: managers are then refused (fail closed), the vendor still sees its own (empty) history.
   */
  requireStall: (req: Request, stall: { merchantId: string; marketId: string | null }) => void;
  /** Acting on a stall's money on the market's behalf: its managers and admins, never the vendor. */
  requireStallManager: (req: Request, stall: { merchantId: string; marketId: string | null }) => void;
  /** Only the stall's own vendor (consent is personal: nobody agrees on a vendor's behalf). */
  requireOwnVendor: (req: Request, merchantId: string) => void;
}

export function accessControl(verifier: TokenVerifier): AccessControl {
  return {
    required: authenticate(verifier),
    role: (...roles) => requireRole(...roles),
    principal: principalOf,
    requireMarket: assertMarket,
    requireStall: assertStall,
    requireStallManager: (req, stall) => assertStallManager(req, stall, 'only the market’s managers may do this'),
    requireOwnVendor: (req, merchantId) => {
      const p = principalOf(req);
      if (p.role !== 'vendor' || p.merchantId !== merchantId) throw forbidden('only the stall’s vendor may do this');
    },
  };
}
