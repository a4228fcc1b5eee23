import { createHash, randomBytes } from 'node:crypto';
import { Router } from 'express';
import { createEvent, merchantLoginAttackV1, onboardingRoutes as routes } from '@marketqr/contracts';
import type { Outbox } from '@marketqr/messaging';
import { AppError, isDuplicateKey, maskAllButLast, parsePart, reply, type Logger } from '@marketqr/service-kit';
import {
  verifySecret,
  type FailureResult,
  type LoginClient,
  type LoginGuard,
  type PrincipalClaims,
  type TokenIssuer,
} from '@marketqr/auth';
import type { Models, User } from '../store/models';

export const loginRoutes = [routes.login];

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

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
  outbox: Outbox;
  logger: Logger;
}): Router {
  const r = Router();
  const { models } = deps;

  /** The device's id when it presents a token this account was given; null for a stranger (or a forged token). */
  const trustedDevice = async (username: string, token: string | undefined) => {
    if (!token) return null;
    const device = await models.TrustedDevice.findById(tokenHash(token)).lean();
    if (!device) return null;
    const user = await models.User.findById(device.userId, { username: 1 }).lean<Pick<User, 'username'>>();
    return user?.username === username ? device._id : null;
  };

  /** Once per account and window: the market's managers hear of it through merchant.login-attack. */
  const raiseAttack = async (user: User | null, failure: FailureResult) => {
    if (!failure.attackStarted) return;
    deps.logger.warn({ userId: user?._id ?? null, failures: failure.accountFailures }, 'login attack suspected');
    if (!user?.marketId || (user.role !== 'vendor' && user.role !== 'market_manager')) return;
    const now = new Date();
    const windowStartedAt = failure.accountWindowStartedAt;
    const record = {
      _id: `${user._id}|${windowStartedAt.toISOString()}`,
      userId: user._id,
      marketId: user.marketId,
      failures: failure.accountFailures,
      detectedAt: now,
    };
    const event = createEvent(merchantLoginAttackV1, {
      aggregateId: user.merchantId ?? user.marketId,
      producer: 'merchant-onboarding',
      data: {
        userId: user._id,
        role: user.role,
        merchantId: user.merchantId ?? null,
        marketId: user.marketId,
        accountHint: maskAllButLast(user.username),
        failures: failure.accountFailures,
        windowStartedAt: windowStartedAt.toISOString(),
        detectedAt: now.toISOString(),
      },
    });
    await deps.outbox.insert(models.LoginAttack, record, [event]).catch((e: unknown) => {
      if (!isDuplicateKey(e)) throw e;
    });
  };

  r.post(routes.login.path, async (req, res) => {
    const body = parsePart(routes.login, 'body', req.body);
    const username = normaliseUsername(body.username);
    // Throttled per (account, device or address): a stranger's failures lock the stranger out, not the owner.
    const client: LoginClient = {
      ip: req.ip ?? 'unknown',
      trustedDevice: await trustedDevice(username, body.deviceToken),
    };
    await deps.guard.assertAllowed(username, client);
    const user = await models.User.findOne({ username }).lean<User>();
    decoyHash ??= deps.hash('decoy-password-never-matches');
    const ok = await verifySecret(body.password, user?.passwordHash ?? (await decoyHash));
    if (!user || !ok || user.disabled) {
      const failure = await deps.guard.recordFailure(username, client);
      await raiseAttack(user, failure);
      throw badCredentials(failure.remaining);
    }
    await deps.guard.recordSuccess(username, client);
    // A device that logged in is trusted from now on: it gets a token to show next time (only its hash is kept).
    let deviceToken: string | undefined;
    const now = new Date();
    if (client.trustedDevice) {
      await models.TrustedDevice.updateOne({ _id: client.trustedDevice }, { $set: { lastUsedAt: now } });
    } else {
      deviceToken = randomBytes(24).toString('base64url');
      await models.TrustedDevice.create({
        _id: tokenHash(deviceToken),
        userId: user._id,
        createdAt: now,
        lastUsedAt: now,
      });
    }
    const claims = claimsOf(user);
    const issued = deps.issuer.issue(claims);
    reply(res, routes.login, 200, {
      ...(deviceToken ? { deviceToken } : {}),
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
