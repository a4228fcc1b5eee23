import { Router } from 'express';
import type { RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { dayParam, param } from '../http/common';
import { toCsv, type ReconciliationService } from './reconciliation.service';

export const reconciliationRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/markets/:marketId/reconciliation',
    summary:
      'Our credits and payouts of ?day= against the bank statement: matched, missing_ours, missing_at_bank, ' +
      'amount_differs. JSON, or CSV with Accept: text/csv or ?format=csv (manager, admin)',
    tags: ['reconciliation'],
    auth: true,
  },
];

export function reconciliationRouter(deps: { reconciliation: ReconciliationService; access: AccessControl }): Router {
  const r = Router();
  r.get('/markets/:marketId/reconciliation', deps.access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    deps.access.requireMarket(req, marketId);
    const day = dayParam(req.query.day);
    const report = await deps.reconciliation.report(marketId, day);
    const csv =
      req.query.format === 'csv' ||
      (req.query.format === undefined && req.accepts(['json', 'text/csv']) === 'text/csv');
    if (csv) {
      res.type('text/csv; charset=utf-8').attachment(`reconciliation-${marketId}-${day}.csv`).send(toCsv(report));
      return;
    }
    res.json({ reconciliation: report });
  });
  return r;
}
