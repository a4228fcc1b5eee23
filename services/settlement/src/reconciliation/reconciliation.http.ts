import { Router } from 'express';
import { badRequest, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { dayParam, param } from '../http/common';
import { toCsv, type CsvLang, type ReconciliationService } from './reconciliation.service';

export const reconciliationRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/markets/:marketId/reconciliation',
    summary:
      'Our credits and payouts of ?day= against the bank statement: matched, missing_ours, missing_at_bank, ' +
      'amount_differs. JSON, or CSV with Accept: text/csv or ?format=csv (manager, admin): UTF-8 with a BOM, ' +
      'Vietnamese headers and words, local time; ?lang=en for the JSON keys as headers and English words',
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
    csvLang(req.query.lang); // a bad language fails before the bank is asked
    const report = await deps.reconciliation.report(marketId, day);
    const csv =
      req.query.format === 'csv' ||
      (req.query.format === undefined && req.accepts(['json', 'text/csv']) === 'text/csv');
    if (csv) {
      res
        .type('text/csv; charset=utf-8')
        .attachment(`reconciliation-${marketId}-${day}.csv`)
        .send(toCsv(report, csvLang(req.query.lang)));
      return;
    }
    res.json({ reconciliation: report });
  });
  return r;
}

function csvLang(value: unknown): CsvLang {
  if (value === undefined || value === '' || value === 'vi') return 'vi';
  if (value === 'en') return 'en';
  throw badRequest('SETTLEMENT.INVALID_LANG', 'lang must be vi or en', { field: 'lang' });
}
