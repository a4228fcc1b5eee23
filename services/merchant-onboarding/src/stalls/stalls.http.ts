import { findPage } from '@marketqr/mongo';
import { Router, type Request } from 'express';
import { loadStallFor } from '@marketqr/auth';
import { onboardingRoutes as routes } from '@marketqr/contracts';
import { AppError, notFound, parsePart, reply, toPage, type Logger, isDuplicateKey } from '@marketqr/service-kit';
import {
  normalisePhone,
  normaliseStallCode,
  requireAccountNumber,
  requireKnownBin,
  requirePersonName,
} from '../domain/validation';
import type { AccessControl } from '../access';
import type { Models, User } from '../store/models';
import { publicStall } from './public-stall';
import { newStallId, type Actor, type StallService } from './stall.service';
import type { Stall } from '../domain/stall';

export const stallRoutes = [
  routes.registerStall,
  routes.listMarketStalls,
  routes.getStall,
  routes.approveStall,
  routes.suspendStall,
  routes.reactivateStall,
  routes.reviewVerification,
  routes.retryVerification,
  routes.changePayoutAccount,
];

/** The routes that act on one stall, by its id in the path. */
type StallRoute = (typeof routes)[
  | 'getStall'
  | 'approveStall'
  | 'suspendStall'
  | 'reactivateStall'
  | 'reviewVerification'
  | 'retryVerification'
  | 'changePayoutAccount'];

export function stallsRouter(deps: {
  stalls: StallService;
  models: Models;
  access: AccessControl;
  hashPin: (pin: string) => Promise<string>;
  logger: Logger;
}): Router {
  const { stalls, models, access } = deps;
  const r = Router();
  const correlation = (req: Request) => (req.header('x-correlation-id') ?? undefined) as string | undefined;

  /**
   * The stall, once the caller may act on it (its vendor, a manager of its market, an admin): authorised before the
   * body is validated and before anyone but an admin can tell an unknown stall from someone else's (loadStallFor).
   */
  const stallFor = (spec: StallRoute, req: Request, allowVendor: boolean): Promise<Stall> => {
    const id = parsePart(spec, 'params', req.params).stallId;
    return loadStallFor(req, id, () => stalls.find(id), {
      marketOf: (s) => s.marketId,
      allowVendor,
      notFound: () => notFound('MERCHANT.STALL_NOT_FOUND', `stall ${id} does not exist`),
    });
  };

  const register = routes.registerStall;
  r.post(register.path, access.optional, async (req, res) => {
    const body = parsePart(register, 'body', req.body);
    const { marketId } = parsePart(register, 'params', req.params);
    const caller = access.claims(req);
    // Anyone may register their own stall; a logged-in caller registering for someone else must manage this market.
    if (caller && caller.role !== 'vendor') access.requireMarket(req, marketId);
    // Only someone registering on a vendor's behalf (the demo seed, as manager) may date it back.
    if (body.registeredAt !== undefined && (!caller || caller.role === 'vendor')) {
      throw new AppError('MERCHANT.FORBIDDEN_FIELD', 'only a manager or admin may date a registration', 403, {
        field: 'registeredAt',
      });
    }
    const input = {
      marketId,
      registeredAt: stalls.backdated(body.registeredAt),
      stallCode: normaliseStallCode(body.stallCode),
      zone: body.zone,
      category: body.category,
      vendor: {
        fullName: requirePersonName(body.vendor.fullName),
        phone: normalisePhone(body.vendor.phone, 'vendor.phone'),
      },
      payoutAccount: {
        bin: requireKnownBin(body.payoutAccount.bin),
        accountNumber: requireAccountNumber(body.payoutAccount.accountNumber),
      },
    };
    await stalls.market(marketId);
    // The vendor's login is written first: it carries no events, so undoing it after a failed stall insert is harmless.
    const stallId = newStallId();
    const userId = `usr_${stallId.slice(4)}`;
    const user: User = {
      _id: userId,
      username: input.vendor.phone,
      fullName: input.vendor.fullName,
      role: 'vendor',
      marketId,
      merchantId: stallId,
      passwordHash: await deps.hashPin(body.vendor.pin),
      createdAt: new Date(),
    };
    try {
      await models.User.create(user);
    } catch (e) {
      if (isDuplicateKey(e)) {
        throw new AppError('MERCHANT.PHONE_TAKEN', 'this phone number already has a stall login', 409, {
          field: 'vendor.phone',
        });
      }
      throw e;
    }
    const actor: Actor = caller ? { userId: caller.sub, role: caller.role } : { userId, role: 'vendor' };
    let stall: Stall;
    try {
      stall = await stalls.register(
        { ...input, vendor: { ...input.vendor, userId } },
        actor,
        correlation(req),
        stallId,
      );
    } catch (e) {
      await models.User.deleteOne({ _id: userId });
      throw e;
    }
    // First verification attempt right away, so a vendor usually sees "verified" in the answer; a bank outage leaves
    // the stall pending (201 all the same) and the worker retries.
    const verified = await stalls.verify(stall._id, correlation(req)).catch((err: Error) => {
      deps.logger.warn(
        { stallId: stall._id, err: err.message },
        'first verification attempt failed; the worker retries',
      );
      return stall;
    });
    reply(res, register, 201, { stall: publicStall(verified) });
  });

  const list = routes.listMarketStalls;
  r.get(list.path, access.required, async (req, res) => {
    const { marketId } = parsePart(list, 'params', req.params);
    access.requireMarket(req, marketId);
    const { status, verification, ...page } = parsePart(list, 'query', req.query);
    const filter: Record<string, unknown> = { marketId };
    if (status) filter.status = status;
    if (verification) filter['verification.state'] = verification;
    const { items, total } = await findPage<Stall>(models.Stall.collection, filter, page, {
      sort: { stallCode: 1 },
      projection: { outboxWriteIds: 0 },
    });
    reply(res, list, 200, toPage(items.map(publicStall), total, page));
  });

  r.get(routes.getStall.path, access.required, async (req, res) => {
    reply(res, routes.getStall, 200, { stall: publicStall(await stallFor(routes.getStall, req, true)) });
  });

  const approve = routes.approveStall;
  r.post(approve.path, access.required, async (req, res) => {
    const stall = await stallFor(approve, req, false);
    const after = await stalls.activate(stall._id, access.actor(req), correlation(req));
    reply(res, approve, 200, { stall: publicStall(after) });
  });

  const reactivate = routes.reactivateStall;
  r.post(reactivate.path, access.required, async (req, res) => {
    const stall = await stallFor(reactivate, req, false);
    if (stall.status !== 'suspended')
      throw new AppError('MERCHANT.NOT_SUSPENDED', 'only a suspended stall is reactivated', 409);
    const after = await stalls.activate(stall._id, access.actor(req), correlation(req));
    reply(res, reactivate, 200, { stall: publicStall(after) });
  });

  // The stall before the body, in every route below: who may act on it is settled before what was asked.
  const suspend = routes.suspendStall;
  r.post(suspend.path, access.required, async (req, res) => {
    const stall = await stallFor(suspend, req, false);
    const body = parsePart(suspend, 'body', req.body);
    const after = await stalls.suspend(stall._id, body.reasonCode, body.reason, access.actor(req), correlation(req));
    reply(res, suspend, 200, { stall: publicStall(after) });
  });

  const review = routes.reviewVerification;
  r.post(review.path, access.required, async (req, res) => {
    const stall = await stallFor(review, req, false);
    const body = parsePart(review, 'body', req.body);
    const after = await stalls.review(stall._id, body.decision, body.note, access.actor(req), correlation(req));
    const next =
      after.verification.state === 'verified' && !after.virtualAccount ? await stalls.verify(after._id) : after;
    reply(res, review, 200, { stall: publicStall(next) });
  });

  const retry = routes.retryVerification;
  r.post(retry.path, access.required, async (req, res) => {
    const stall = await stallFor(retry, req, true);
    reply(res, retry, 200, { stall: publicStall(await stalls.verify(stall._id, correlation(req))) });
  });

  const payout = routes.changePayoutAccount;
  r.put(payout.path, access.required, async (req, res) => {
    const stall = await stallFor(payout, req, true);
    const body = parsePart(payout, 'body', req.body);
    const account = {
      bin: requireKnownBin(body.bin, 'bin'),
      accountNumber: requireAccountNumber(body.accountNumber, 'accountNumber'),
    };
    const after = await stalls.changePayoutAccount(stall._id, account, access.actor(req));
    reply(res, payout, 200, { stall: publicStall(after) });
  });

  return r;
}
