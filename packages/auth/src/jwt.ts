import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError } from '@marketqr/service-kit';
import type { AuthConfig } from './config';
import { principalSchema, type Principal, type PrincipalClaims } from './claims';
import { invalidToken, tokenExpired } from './errors';

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date;
}

export interface TokenIssuer {
  issue(claims: PrincipalClaims, opts?: { ttlSeconds?: number; tokenId?: string }): IssuedToken;
}

/** Signs tokens (merchant-onboarding, after a login). Throws ConfigError if this process has no signing key. */
export function createTokenIssuer(config: AuthConfig): TokenIssuer {
  const key = config.signingKey;
  if (!key) throw new ConfigError('this service cannot issue tokens: no signing key configured', ['JWT_PRIVATE_KEY']);
  return {
    issue(claims, opts = {}) {
      const parsed = principalSchema.parse(claims);
      const tokenId = opts.tokenId ?? randomUUID();
      const ttl = opts.ttlSeconds ?? config.ttlSeconds;
      const token = jwt.sign({ ...parsed, jti: tokenId }, key, {
        algorithm: config.algorithm,
        expiresIn: ttl,
        issuer: config.issuer,
        audience: config.audience,
      });
      const { exp } = jwt.decode(token) as { exp: number };
      return { token, tokenId, expiresAt: new Date(exp * 1000) };
    },
  };
}

export interface TokenVerifier {
  /** The principal a token speaks for; throws AppError AUTH.INVALID_TOKEN or AUTH.TOKEN_EXPIRED. */
  verify(token: string): Principal;
}

/**
 * Verifies signature (with the one configured algorithm: `none`, HS/RS confusion and other algorithms are refused),
 * issuer, audience, expiry (required: a token without `exp` never expires, so it is refused), and MarketQR's claims.
 */
export function createTokenVerifier(
  config: AuthConfig,
  hooks: { onRejected?: (reason: string) => void } = {},
): TokenVerifier {
  return {
    verify(token) {
      let payload: jwt.JwtPayload;
      try {
        const decoded = jwt.verify(token, config.verifyKey, {
          algorithms: [config.algorithm],
          issuer: config.issuer,
          audience: config.audience,
          clockTolerance: config.clockToleranceSeconds,
        });
        if (typeof decoded === 'string') throw new jwt.JsonWebTokenError('payload is not an object');
        payload = decoded;
      } catch (err) {
        hooks.onRejected?.((err as Error).message);
        if (err instanceof jwt.TokenExpiredError) throw tokenExpired();
        throw invalidToken();
      }
      if (typeof payload.exp !== 'number') {
        hooks.onRejected?.('no exp claim');
        throw invalidToken();
      }
      const claims = principalSchema.safeParse(payload);
      if (!claims.success) {
        hooks.onRejected?.(`claims: ${claims.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
        throw invalidToken();
      }
      return { ...claims.data, tokenId: payload.jti, expiresAt: new Date(payload.exp * 1000) };
    },
  };
}
