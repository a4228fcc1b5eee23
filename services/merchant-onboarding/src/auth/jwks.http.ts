import { Router } from 'express';
import type { RouteDoc } from '@marketqr/service-kit';
import { publicJwks, type AuthConfig } from '@marketqr/auth';

export const JWKS_PATH = '/.well-known/jwks.json';

export const jwksRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: JWKS_PATH,
    summary:
      'The public keys tokens are signed with (JWKS, RFC 7517), by kid: the current key, and while a key change-over ' +
      'lasts the previous ones (JWT_PREVIOUS_PUBLIC_KEYS). Public members only; what the other services need in ' +
      'JWT_PUBLIC_KEYS. Empty with HS256 (development only).',
    tags: ['auth'],
    responses: { '200': { description: 'JWKS document {"keys":[{kty,crv,x,kid,alg,use}…]}' } },
  },
];

/** Serves the issuer's public keys. Built once at start from the validated configuration: it never changes at run time. */
export function jwksRouter(config: AuthConfig): Router {
  const body = JSON.stringify(publicJwks(config));
  const r = Router();
  r.get(JWKS_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('application/jwk-set+json').send(body);
  });
  return r;
}
