import { Router, type Request } from 'express';
import { z } from 'zod';
import { loadStallFor } from '@marketqr/auth';
import {
  AppError,
  notFound,
  parseBody,
  parsePageQuery,
  toPage,
  type Logger,
  type RouteDoc,
  isDuplicateKey,
} from '@marketqr/service-kit';
import {
  CATEGORIES,
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

export const stallRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/markets/:marketId/stalls',
    summary: 'Register a stall: a vendor for themself (public), or a manager for a vendor',
    tags: ['stalls'],
  },
  {
    method: 'get',
    path: '/markets/:marketId/stalls',
    summary: "List the market's stalls (?status=&page=&pageSize=)",
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'get',
    path: '/stalls/:stallId',
    summary: 'One stall (its vendor, its manager, an admin)',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'post',
    path: '/stalls/:stallId/approve',
    summary: 'Approve a verified stall: it becomes active',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'post',
    path: '/stalls/:stallId/suspend',
    summary: 'Suspend a stall with a reason',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'post',
    path: '/stalls/:stallId/reactivate',
    summary: 'Reactivate a suspended stall',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'post',
    path: '/stalls/:stallId/verification/review',
    summary: 'Accept or reject a holder-name mismatch',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'post',
    path: '/stalls/:stallId/verification/retry',
    summary: 'Retry a pending verification now',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'put',
    path: '/stalls/:stallId/payout-account',
    summary: 'Change the payout account (verified again)',
    tags: ['stalls'],
    auth: true,
  },
];

const registerSchema = z.object({
  stallCode: z.string(),
  zone: z.string().min(1).max(50),
  category: z.enum(CATEGORIES),
  vendor: z.object({
    fullName: z.string(),
    phone: z.string(),
    /** The vendor's login PIN: 6 digits. */
    pin: z.string().regex(/^\d{6}$/, 'a 6-digit PIN'),
  }),
  payoutAccount: z.object({ bin: z.string(), accountNumber: z.string() }),
  /** Demo only (BACKDATED_ONBOARDING_DAYS): a registration dated in the past, by a manager or admin. */
  registeredAt: z.iso.datetime({ offset: true }).optional(),
});
const accountSchema = z.object({ bin: z.string(), accountNumber: z.string() });
const suspendSchema = z.object({
  reasonCode: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case reason code such as suspected_fake_qr'),
  reason: z.string().min(3).max(500),
});
const reviewSchema = z.object({ decision: z.enum(['accept', 'reject']), note: z.string().min(3).max(500) });
const listQuerySchema = z.object({
  status: z.enum(['pending_verification', 'verified', 'active', 'suspended']).optional(),
  verification: z.enum(['pending', 'verified', 'name_mismatch', 'rejected']).optional(),
});

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
  const stallFor = (req: Request, allowVendor: boolean): Promise<Stall> => {
    const id = String(req.params.stallId);
    return loadStallFor(req, id, () => stalls.find(id), {
      marketOf: (s) => s.marketId,
      allowVendor,
      notFound: () => notFound('MERCHANT.STALL_NOT_FOUND', `stall ${id} does not exist`),
    });
  };

  r.post('/markets/:marketId/stalls', access.optional, async (req, res) => {
    const body = parseBody(registerSchema, req.body, 'MERCHANT.INVALID_REQUEST');
    const marketId = String(req.params.marketId);
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
    res.status(201).json({ stall: publicStall(verified) });
  });

  r.get('/markets/:marketId/stalls', access.required, async (req, res) => {
    const marketId = String(req.params.marketId);
    access.requireMarket(req, marketId);
    const page = parsePageQuery(req.query);
    const q = listQuerySchema.safeParse(req.query);
    if (!q.success) throw new AppError('MERCHANT.INVALID_QUERY', 'unknown status or verification filter', 400);
    const filter: Record<string, unknown> = { marketId };
    if (q.data.status) filter.status = q.data.status;
    if (q.data.verification) filter['verification.state'] = q.data.verification;
    const [items, total] = await Promise.all([
      models.Stall.find(filter, { outboxWriteIds: 0 })
        .sort({ stallCode: 1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<Stall[]>(),
      models.Stall.countDocuments(filter),
    ]);
    res.json(toPage(items.map(publicStall), total, page));
  });

  r.get('/stalls/:stallId', access.required, async (req, res) => {
    res.json({ stall: publicStall(await stallFor(req, true)) });
  });

  r.post('/stalls/:stallId/approve', access.required, async (req, res) => {
    const stall = await stallFor(req, false);
    res.json({ stall: publicStall(await stalls.activate(stall._id, access.actor(req), correlation(req))) });
  });

  r.post('/stalls/:stallId/reactivate', access.required, async (req, res) => {
    const stall = await stallFor(req, false);
    if (stall.status !== 'suspended')
      throw new AppError('MERCHANT.NOT_SUSPENDED', 'only a suspended stall is reactivated', 409);
    res.json({ stall: publicStall(await stalls.activate(stall._id, access.actor(req), correlation(req))) });
  });

  r.post('/stalls/:stallId/suspend', access.required, async (req, res) => {
    const stall = await stallFor(req, false);
    const body = parseBody(suspendSchema, req.body, 'MERCHANT.INVALID_REQUEST');
    const after = await stalls.suspend(stall._id, body.reasonCode, body.reason, access.actor(req), correlation(req));
    res.json({ stall: publicStall(after) });
  });

  r.post('/stalls/:stallId/verification/review', access.required, async (req, res) => {
    const stall = await stallFor(req, false);
    const body = parseBody(reviewSchema, req.body, 'MERCHANT.INVALID_REQUEST');
    const after = await stalls.review(stall._id, body.decision, body.note, access.actor(req), correlation(req));
    const next =
      after.verification.state === 'verified' && !after.virtualAccount ? await stalls.verify(after._id) : after;
    res.json({ stall: publicStall(next) });
  });

  r.post('/stalls/:stallId/verification/retry', access.required, async (req, res) => {
    const stall = await stallFor(req, true);
    res.json({ stall: publicStall(await stalls.verify(stall._id, correlation(req))) });
  });

  r.put('/stalls/:stallId/payout-account', access.required, async (req, res) => {
    const stall = await stallFor(req, true);
    const body = parseBody(accountSchema, req.body, 'MERCHANT.INVALID_REQUEST');
    const account = {
      bin: requireKnownBin(body.bin, 'bin'),
      accountNumber: requireAccountNumber(body.accountNumber, 'accountNumber'),
    };
    res.json({ stall: publicStall(await stalls.changePayoutAccount(stall._id, account, access.actor(req))) });
  });

  return r;
}
