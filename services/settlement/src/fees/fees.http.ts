import { Router } from 'express';
import { settlementRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import type { MarketSettings } from './market-settings.service';

export const feeRoutes = [
  routes.getFeeSchedule,
  routes.setFeeSchedule,
  routes.getCollectionAccount,
  routes.setCollectionAccount,
];

export function feesRouter(deps: { settings: MarketSettings; access: AccessControl }): Router {
  const { settings, access } = deps;
  const r = Router();

  r.get(routes.getFeeSchedule.path, access.required, async (req, res) => {
    const { marketId } = parsePart(routes.getFeeSchedule, 'params', req.params);
    access.requireMarket(req, marketId);
    reply(res, routes.getFeeSchedule, 200, { marketId, feeSchedule: await settings.schedule(marketId) });
  });

  const setSchedule = routes.setFeeSchedule;
  r.put(setSchedule.path, access.required, access.role('admin'), async (req, res) => {
    const { marketId } = parsePart(setSchedule, 'params', req.params);
    const body = parsePart(setSchedule, 'body', req.body);
    const doc = await settings.setSchedule(marketId, body, access.principal(req).sub);
    reply(res, setSchedule, 200, {
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

  r.get(routes.getCollectionAccount.path, access.required, async (req, res) => {
    const { marketId } = parsePart(routes.getCollectionAccount, 'params', req.params);
    access.requireMarket(req, marketId);
    reply(res, routes.getCollectionAccount, 200, {
      marketId,
      collectionAccount: await settings.collectionAccount(marketId),
    });
  });

  const setAccount = routes.setCollectionAccount;
  r.put(setAccount.path, access.required, access.role('admin'), async (req, res) => {
    const { marketId } = parsePart(setAccount, 'params', req.params);
    const body = parsePart(setAccount, 'body', req.body);
    const doc = await settings.setCollectionAccount(marketId, body.accountNumber, access.principal(req).sub);
    reply(res, setAccount, 200, { marketId, collectionAccount: doc.collectionAccount });
  });

  return r;
}
