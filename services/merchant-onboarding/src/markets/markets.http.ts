import { findPage } from '@marketqr/mongo';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { onboardingRoutes as routes } from '@marketqr/contracts';
import { AppError, conflict, notFound, parsePart, reply, toPage, isDuplicateKey } from '@marketqr/service-kit';
import { requireAccountNumber, requireKnownBin, requirePersonName } from '../domain/validation';
import type { AccessControl } from '../access';
import type { Market, Models, User } from '../store/models';

export const marketRoutes = [routes.createMarket, routes.listMarkets, routes.getMarket, routes.createManager];

/** A market as the API shows it: its id under `id` too, instants as ISO strings (what JSON made of them before). */
const marketView = (m: Market) => ({ ...m, id: m._id, createdAt: m.createdAt.toISOString() });

export function marketsRouter(deps: {
  models: Models;
  access: AccessControl;
  hashPassword: (p: string) => Promise<string>;
}): Router {
  const { models, access } = deps;
  const r = Router();

  r.post(routes.createMarket.path, access.required, access.role('admin'), async (req, res) => {
    const body = parsePart(routes.createMarket, 'body', req.body);
    const codes = body.zones.map((z) => z.code);
    if (new Set(codes).size !== codes.length) {
      throw new AppError('MERCHANT.DUPLICATE_ZONE', 'zone codes must be unique within a market', 400, {
        field: 'zones',
      });
    }
    const market: Market = {
      _id: body.id,
      name: body.name.normalize('NFC'),
      province: body.province.normalize('NFC'),
      district: body.district.normalize('NFC'),
      address: body.address.normalize('NFC'),
      zones: body.zones.map((z) => ({ code: z.code, name: z.name.normalize('NFC') })),
      collectionAccount: {
        bin: requireKnownBin(body.collectionAccount.bin, 'collectionAccount.bin'),
        accountNumber: requireAccountNumber(body.collectionAccount.accountNumber, 'collectionAccount.accountNumber'),
      },
      createdAt: new Date(),
      createdBy: access.claims(req)!.sub,
    };
    try {
      await models.Market.create(market);
    } catch (e) {
      if (isDuplicateKey(e)) throw conflict('MERCHANT.MARKET_EXISTS', `market ${body.id} already exists`);
      throw e;
    }
    reply(res, routes.createMarket, 201, { market: marketView(market) });
  });

  r.get(routes.listMarkets.path, access.required, access.role('admin', 'market_manager'), async (req, res) => {
    const page = parsePart(routes.listMarkets, 'query', req.query);
    const claims = access.claims(req)!;
    const filter = claims.role === 'market_manager' ? { _id: claims.marketId } : {};
    const { items, total } = await findPage<Market>(models.Market.collection, filter, page, { sort: { _id: 1 } });
    reply(res, routes.listMarkets, 200, toPage(items.map(marketView), total, page));
  });

  // Public: the self-registration form needs the market's name and zones.
  r.get(routes.getMarket.path, async (req, res) => {
    const { marketId } = parsePart(routes.getMarket, 'params', req.params);
    const market = await models.Market.findById(marketId).lean<Market>();
    if (!market) throw notFound('MERCHANT.MARKET_NOT_FOUND', `market ${marketId} does not exist`);
    reply(res, routes.getMarket, 200, { market: marketView(market) });
  });

  r.post(routes.createManager.path, access.required, access.role('admin'), async (req, res) => {
    const body = parsePart(routes.createManager, 'body', req.body);
    const { marketId } = parsePart(routes.createManager, 'params', req.params);
    if (!(await models.Market.exists({ _id: marketId }))) {
      throw notFound('MERCHANT.MARKET_NOT_FOUND', `market ${marketId} does not exist`);
    }
    const user: User = {
      _id: `usr_${randomBytes(8).toString('hex')}`,
      username: body.username,
      fullName: requirePersonName(body.fullName, 'fullName'),
      role: 'market_manager',
      marketId,
      merchantId: null,
      passwordHash: await deps.hashPassword(body.password),
      createdAt: new Date(),
    };
    try {
      await models.User.create(user);
    } catch (e) {
      if (isDuplicateKey(e)) throw conflict('MERCHANT.USERNAME_TAKEN', `username ${body.username} is taken`);
      throw e;
    }
    reply(res, routes.createManager, 201, {
      user: { id: user._id, username: user.username, fullName: user.fullName, role: 'market_manager', marketId },
    });
  });

  return r;
}
