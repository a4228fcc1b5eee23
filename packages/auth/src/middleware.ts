import type { Request, RequestHandler } from 'express';
import type { Principal, Role } from './claims';
import { forbidden, invalidToken, missingToken } from './errors';
import type { TokenVerifier } from './jwt';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `authenticate` once the bearer token is verified. */
      auth?: Principal;
    }
  }
}

/**
 * Verifies the bearer token and puts the principal on `req.auth`. Errors go to the service's error middleware as
 * AppErrors (401 AUTH.MISSING_TOKEN / AUTH.INVALID_TOKEN / AUTH.TOKEN_EXPIRED). With `optional`, a request without a
 * token passes unauthenticated (a bad token is still refused).
 */
export function authenticate(verifier: TokenVerifier, opts: { optional?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) {
      if (opts.optional) return next();
      res.set('WWW-Authenticate', 'Bearer');
      return next(missingToken());
    }
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_request"');
      return next(invalidToken());
    }
    try {
      req.auth = verifier.verify(match[1]!);
      next();
    } catch (err) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      next(err);
    }
  };
}

/** The verified principal; throws AUTH.MISSING_TOKEN when `authenticate` did not run or let the request through. */
export function principalOf(req: Request): Principal {
  if (!req.auth) throw missingToken();
  return req.auth;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) return next(missingToken());
    if (!roles.includes(req.auth.role)) return next(forbidden(`requires one of: ${roles.join(', ')}`));
    next();
  };
}

/**
 * Whether a principal may see and act on a stall. `marketId` is the stall's market, needed for managers; when it is
 * unknown a manager is refused (fail closed).
 */
export function canAccessStall(principal: Principal, stall: { merchantId: string; marketId?: string | null }): boolean {
  switch (principal.role) {
    case 'admin':
    case 'service':
      return true;
    case 'vendor':
      return principal.merchantId === stall.merchantId;
    case 'market_manager':
      return !!stall.marketId && principal.marketId === stall.marketId;
  }
}

/** Whether a principal may see a market's data (statistics, alerts, its stalls' list). Vendors may not. */
export function canAccessMarket(principal: Principal, marketId: string): boolean {
  switch (principal.role) {
    case 'admin':
    case 'service':
      return true;
    case 'market_manager':
      return principal.marketId === marketId;
    case 'vendor':
      return false;
  }
}

type Extract = (req: Request) => string | null | undefined | Promise<string | null | undefined>;

/**
 * Guards a stall route: `requireStallAccess((req) => req.params.merchantId, (req) => stalls.marketOf(req.params.merchantId))`.
 * The market lookup runs only for managers. A vendor touching another stall, or a manager of another market: 403.
 */
export function requireStallAccess(getMerchantId: Extract, getMarketId?: Extract): RequestHandler {
  return async (req, _res, next) => {
    try {
      const principal = principalOf(req);
      const merchantId = await getMerchantId(req);
      if (!merchantId) return next(forbidden('no stall in the request'));
      const marketId = principal.role === 'market_manager' && getMarketId ? await getMarketId(req) : undefined;
      if (!canAccessStall(principal, { merchantId, marketId })) return next(forbidden('not allowed for this stall'));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Guards a market route (`/markets/:marketId/...`): admins, services and that market's managers. */
export function requireMarketAccess(getMarketId: Extract): RequestHandler {
  return async (req, _res, next) => {
    try {
      const principal = principalOf(req);
      const marketId = await getMarketId(req);
      if (!marketId || !canAccessMarket(principal, marketId)) return next(forbidden('not allowed for this market'));
      next();
    } catch (err) {
      next(err);
    }
  };
}
