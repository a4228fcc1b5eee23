import { Router } from 'express';
import { z } from 'zod';
import { parseBody, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { param } from '../http/common';
import type { MarketSettings } from './market-settings.service';

export const feeRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/markets/:marketId/fee-schedule',
    summary: 'The market’s fee schedule in force (0 % when none was set)',
    tags: ['fees'],
    auth: true,
  },
  {
    method: 'put',
    path: '/markets/:marketId/fee-schedule',
    summary:
      'Set the market’s fee schedule (admin): rateBps, minimumFee, maximumFee, exemptUpTo; from the next cut-off',
    tags: ['fees'],
    auth: true,
  },
  {
    method: 'get',
    path: '/markets/:marketId/collection-account',
    summary: 'The market’s collection account at the partner bank',
    tags: ['fees'],
    auth: true,
  },
  {
    method: 'put',
    path: '/markets/:marketId/collection-account',
    summary: 'Set the market’s collection account (admin): payouts leave from it, reconciliation reads its statement',
    tags: ['fees'],
    auth: true,
  },
];

const vnd = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const scheduleBody = z.object({
  rateBps: z.number().int().min(0).max(10_000),
  minimumFee: vnd.default(0),
  maximumFee: vnd.nullable().default(null),
  exemptUpTo: vnd.nullable().default(null),
});
const accountBody = z.object({ accountNumber: z.string().regex(/^\d{6,19}$/, '6-19 digits') });

export function feesRouter(deps: { settings: MarketSettings; access: AccessControl }): Router {
  const { settings, access } = deps;
  const r = Router();

  r.get('/markets/:marketId/fee-schedule', access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    access.requireMarket(req, marketId);
    res.json({ marketId, feeSchedule: await settings.schedule(marketId) });
  });

  r.put('/markets/:marketId/fee-schedule', access.required, access.role('admin'), async (req, res) => {
    const marketId = param(req, 'marketId');
    const body = parseBody(scheduleBody, req.body, 'SETTLEMENT.INVALID_FEE_SCHEDULE');
    const doc = await settings.setSchedule(marketId, body, access.principal(req).sub);
    res.json({
      marketId,
      feeSchedule: {
        rateBps: doc.rateBps,
        minimumFee: doc.minimumFee,
        maximumFee: doc.maximumFee,
        exemptUpTo: doc.exemptUpTo,
        version: doc.version,
      },
    });
  });

  r.get('/markets/:marketId/collection-account', access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    access.requireMarket(req, marketId);
    res.json({ marketId, collectionAccount: await settings.collectionAccount(marketId) });
  });

  r.put('/markets/:marketId/collection-account', access.required, access.role('admin'), async (req, res) => {
    const marketId = param(req, 'marketId');
    const body = parseBody(accountBody, req.body, 'SETTLEMENT.INVALID_REQUEST');
    const doc = await settings.setCollectionAccount(marketId, body.accountNumber, access.principal(req).sub);
    res.json({ marketId, collectionAccount: doc.collectionAccount });
  });

  return r;
}
