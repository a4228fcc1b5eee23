import { Router } from 'express';
import { onboardingRoutes as routes } from '@marketqr/contracts';
import { publicJwks, type AuthConfig } from '@marketqr/auth';

export const jwksRoutes = [routes.jwks];

/** Serves the issuer's public keys. Built once at start from the validated configuration: it never changes at run time. */
export function jwksRouter(config: AuthConfig): Router {
  const body = JSON.stringify(publicJwks(config));
  const r = Router();
  r.get(routes.jwks.path, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('application/jwk-set+json').send(body);
  });
  return r;
}
