import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import {
  AppError,
  conflict,
  notFound,
  parseBody,
  parsePageQuery,
  toPage,
  type RouteDoc,
  isDuplicateKey,
} from '@marketqr/service-kit';
import { requireAccountNumber, requireKnownBin, requirePersonName } from '../domain/validation';
import type { AccessControl } from '../access';
import type { Market, Models, User } from '../store/models';

export const marketRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/markets',
    summary: 'Create a market with its zones and collection account (admin)',
    tags: ['markets'],
    auth: true,
  },
  {
    method: 'get',
    path: '/markets',
    summary: 'List markets (admin: all; manager: their own)',
    tags: ['markets'],
    auth: true,
  },
  { method: 'get', path: '/markets/:marketId', summary: 'One market', tags: ['markets'] },
  {
    method: 'post',
    path: '/markets/:marketId/managers',
    summary: 'Create a market manager login (admin)',
    tags: ['markets'],
    auth: true,
  },
];

const marketSchema = z.object({
  /** A readable id: lower-case words joined by dashes ("cho-nenh"). */
  id: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and dashes')
    .max(64),
  name: z.string().trim().min(3).max(200),
  province: z.string().trim().min(2).max(100),
  district: z.string().trim().min(2).max(100),
  address: z.string().trim().min(3).max(300),
  zones: z
    .array(z.object({ code: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,9}$/), name: z.string().trim().min(1).max(100) }))
    .min(1)
    .max(100),
  collectionAccount: z.object({ bin: z.string(), accountNumber: z.string() }),
});

const managerSchema = z.object({
  username: z.string().regex(/^[a-z0-9._-]{3,40}$/, '3-40 lower-case letters, digits, dots, dashes'),
  fullName: z.string(),
  password: z.string().min(10, 'at least 10 characters').max(200),
});

export function marketsRouter(deps: {
  models: Models;
  access: AccessControl;
  hashPassword: (p: string) => Promise<string>;
}): Router {
  const { models, access } = deps;
  const r = Router();

  r.post('/markets', access.required, access.role('admin'), async (req, res) => {
    const body = parseBody(marketSchema, req.body, 'MERCHANT.INVALID_REQUEST');
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
    res.status(201).json({ market: { ...market, id: market._id } });
  });

  r.get('/markets', access.required, access.role('admin', 'market_manager'), async (req, res) => {
    const page = parsePageQuery(req.query);
    const claims = access.claims(req)!;
    const filter = claims.role === 'market_manager' ? { _id: claims.marketId } : {};
    const [items, total] = await Promise.all([
      models.Market.find(filter)
        .sort({ _id: 1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<Market[]>(),
      models.Market.countDocuments(filter),
    ]);
    res.json(
      toPage(
        items.map((m) => ({ ...m, id: m._id })),
        total,
        page,
      ),
    );
  });

  // Public: the self-registration form needs the market's name and zones.
  r.get('/markets/:marketId', async (req, res) => {
    const market = await models.Market.findById(String(req.params.marketId)).lean<Market>();
    if (!market) throw notFound('MERCHANT.MARKET_NOT_FOUND', `market ${req.params.marketId} does not exist`);
    res.json({ market: { ...market, id: market._id } });
  });

  r.post('/markets/:marketId/managers', access.required, access.role('admin'), async (req, res) => {
    const body = parseBody(managerSchema, req.body, 'MERCHANT.INVALID_REQUEST');
    const marketId = String(req.params.marketId);
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
    res
      .status(201)
      .json({ user: { id: user._id, username: user.username, fullName: user.fullName, role: user.role, marketId } });
  });

  return r;
}
