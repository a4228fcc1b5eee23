/**
 * Who may call what, on top of @marketqr/auth: the only file that knows how tokens are verified and scopes checked.
 */
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  actorOf,
  assertEveryMarket,
  assertMarket,
  assertStall,
  authConfigFrom,
  authConfigShape,
  authenticate,
  createTokenVerifier,
  principalOf,
  type Principal,
} from '@marketqr/auth';
import type { Actor } from './domain/model';

export type { Principal };

/** The auth variables (JWT_*), validated with the service's own at start. NODE_ENV comes from the shared settings. */
const { NODE_ENV: _nodeEnv, ...jwtShape } = authConfigShape;
export const accessConfigShape = jwtShape;

type JwtSettings = { [K in keyof typeof jwtShape]?: unknown };

export interface Access {
  /** Verifies the bearer token: 401 AUTH.MISSING_TOKEN / AUTH.INVALID_TOKEN / AUTH.TOKEN_EXPIRED otherwise. */
  authenticate: RequestHandler;
  principal(req: Request): Principal;
  actor(req: Request): Actor;
  /** 403 AUTH.FORBIDDEN unless the caller may act on the stall: its vendor, its market's managers, admins, services. */
  requireStall(req: Request, stall: { merchantId: string; marketId: string }): Principal;
  /** 403 AUTH.FORBIDDEN unless the caller may see the market: its managers, admins, services. */
  requireMarket(req: Request, marketId: string): Principal;
  /** 403 AUTH.FORBIDDEN unless the caller sees every market: admins, services. */
  requireEveryMarket(req: Request): Principal;
}

/**
 * Builds the verifier from the parsed settings. A missing secret outside development and test throws ConfigError
 * (the service stops at start, naming JWT_SECRET).
 */
export function createAccess(settings: { NODE_ENV: string } & JwtSettings, logger: Logger): Access {
  const config = authConfigFrom(settings);
  if (config.usingDevelopmentSecret) logger.warn('JWT_SECRET not set: tokens are checked with the development secret');
  const log = logger.child({ component: 'access' });
  const verifier = createTokenVerifier(config, { onRejected: (reason) => log.info({ reason }, 'token refused') });

  return {
    authenticate: authenticate(verifier),
    principal: principalOf,
    actor: actorOf,
    requireStall: assertStall,
    requireMarket: assertMarket,
    requireEveryMarket: (req) => assertEveryMarket(req, 'admins only'),
  };
}
