import type { Request } from 'express';
import type { Principal, Role } from './claims';
import { forbidden } from './errors';
import { canAccessMarket, canAccessStall, principalOf } from './middleware';

/**
 * The scope checks route handlers make once they know which stall or market a request is about (often only after a
 * database read, so they cannot be route middleware). Each returns the verified principal, or throws 403
 * AUTH.FORBIDDEN (401 AUTH.MISSING_TOKEN when `authenticate` did not run). Every service's access adapter is built
 * from these, so a rule changes in one place.
 */

/** Who did it, for audit fields and events. */
export interface Actor {
  userId: string;
  role: Role;
}

export function actorOf(req: Request): Actor {
  const p = principalOf(req);
  return { userId: p.sub, role: p.role };
}

/** Admins, services and that market's managers. */
export function assertMarket(req: Request, marketId: string): Principal {
  const p = principalOf(req);
  if (!canAccessMarket(p, marketId)) throw forbidden('not allowed for this market');
  return p;
}

/** Every market at once (the province): admins and services. */
export function assertEveryMarket(req: Request, message = 'only an administrator may see every market'): Principal {
  const p = principalOf(req);
  if (p.role !== 'admin' && p.role !== 'service') throw forbidden(message);
  return p;
}

/**
 * A stall: its vendor, its market's managers, admins, services. `marketId` null or absent (the stall is unknown
 * here) refuses managers: fail closed.
 */
export function assertStall(req: Request, stall: { merchantId: string; marketId?: string | null }): Principal {
  const p = principalOf(req);
  if (!canAccessStall(p, stall)) throw forbidden('not allowed for this stall');
  return p;
}

/** Acting on a stall on the market's behalf: as `assertStall`, but never its vendor. */
export function assertStallManager(
  req: Request,
  stall: { merchantId: string; marketId?: string | null },
  message = 'only a market manager may do this',
): Principal {
  const p = principalOf(req);
  if (p.role === 'vendor') throw forbidden(message);
  return assertStall(req, stall);
}

/**
 * Loads a stall for a route in the one order that leaks nothing: who asks is checked before anything is read or
 * validated. A vendor is refused (403) for any stall but its own without a lookup; a manager gets the same 403 for a
 * stall that does not exist as for another market's, so ids cannot be probed; only admins and services, who may see
 * every stall, learn that one does not exist (`notFound`, a 404). Validate the request body after this.
 */
export async function loadStallFor<T>(
  req: Request,
  merchantId: string,
  load: () => Promise<T | null>,
  opts: { marketOf: (stall: T) => string | null; allowVendor: boolean; notFound: () => Error },
): Promise<T> {
  const p = principalOf(req);
  if (p.role === 'vendor' && (!opts.allowVendor || p.merchantId !== merchantId)) {
    throw forbidden(opts.allowVendor ? 'not allowed for this stall' : 'only a market manager may do this');
  }
  const stall = await load();
  if (!stall) {
    if (p.role === 'admin' || p.role === 'service') throw opts.notFound();
    throw forbidden('not allowed for this stall');
  }
  const scope = { merchantId, marketId: opts.marketOf(stall) };
  if (opts.allowVendor) assertStall(req, scope);
  else assertStallManager(req, scope);
  return stall;
}
