import { Router } from 'express';
import { z } from 'zod';
import { AppError, parseBody, type RouteDoc } from '@marketqr/service-kit';
import { verifySecret, type LoginGuard, type PrincipalClaims, type TokenIssuer } from '@marketqr/auth';
import type { Models, User } from '../store/models';

export const loginRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Log in with username (a vendor: the phone number) and password or PIN; returns a JWT',
    tags: ['auth'],
    responses: {
      '200': { description: 'token' },
      '401': { description: 'AUTH.INVALID_CREDENTIALS' },
      '429': { description: 'AUTH.LOCKED' },
    },
  },
];

const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

/** The same answer for an unknown user and a wrong password: a login form must not reveal which accounts exist. */
const badCredentials = (remaining: number) =>
  new AppError('AUTH.INVALID_CREDENTIALS', 'wrong username or password', 401, { remainingAttempts: remaining });

/** A fixed hash to verify against when the user does not exist, so both paths take the same time. */
let decoyHash: Promise<string> | undefined;

export function loginRouter(deps: {
  models: Models;
  issuer: TokenIssuer;
  guard: LoginGuard;
  hash: (s: string) => Promise<string>;
}): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const body = parseBody(loginSchema, req.body, 'AUTH.INVALID_REQUEST');
    const username = normaliseUsername(body.username);
    // Throttled per username: a locked account answers 429 before any password is checked.
    await deps.guard.assertAllowed(username);
    const user = await deps.models.User.findOne({ username }).lean<User>();
    decoyHash ??= deps.hash('decoy-password-never-matches');
    const ok = await verifySecret(body.password, user?.passwordHash ?? (await decoyHash));
    if (!user || !ok || user.disabled) {
      const { remaining } = await deps.guard.recordFailure(username);
      throw badCredentials(remaining);
    }
    await deps.guard.recordSuccess(username);
    const claims = claimsOf(user);
    const issued = deps.issuer.issue(claims);
    res.json({
      token: issued.token,
      expiresAt: issued.expiresAt.toISOString(),
      user: {
        id: user._id,
        username: user.username,
        fullName: user.fullName,
        role: user.role,
        marketId: user.marketId,
        merchantId: user.merchantId,
      },
    });
  });
  return r;
}

/** Vendors log in with their phone in any usual spelling (0912 345 678, +84912345678); managers with a name. */
function normaliseUsername(raw: string): string {
  const trimmed = raw.trim().toLowerCase();
  if (!/^[+\d][\d\s.-]*$/.test(trimmed)) return trimmed;
  return trimmed.replace(/[\s.-]/g, '').replace(/^\+?84(?=\d{9}$)/, '0');
}

function claimsOf(user: User): PrincipalClaims {
  switch (user.role) {
    case 'vendor':
      return {
        role: 'vendor',
        sub: user._id,
        merchantId: user.merchantId!,
        ...(user.marketId ? { marketId: user.marketId } : {}),
      };
    case 'market_manager':
      return { role: 'market_manager', sub: user._id, marketId: user.marketId! };
    case 'admin':
      return { role: 'admin', sub: user._id };
    case 'service':
      return { role: 'service', sub: user._id };
  }
}
