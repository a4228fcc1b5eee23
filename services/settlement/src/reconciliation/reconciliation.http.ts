import { Router } from 'express';
import { settlementRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { toCsv, type ReconciliationService } from './reconciliation.service';

export const reconciliationRoutes = [routes.reconciliation];

export function reconciliationRouter(deps: { reconciliation: ReconciliationService; access: AccessControl }): Router {
  const spec = routes.reconciliation;
  const r = Router();
  r.get(spec.path, deps.access.required, async (req, res) => {
    const { marketId } = parsePart(spec, 'params', req.params);
    deps.access.requireMarket(req, marketId);
    // A bad day or language fails before the bank is asked.
    const { day, lang, format } = parsePart(spec, 'query', req.query);
    const report = await deps.reconciliation.report(marketId, day);
    const csv = format === 'csv' || (format === undefined && req.accepts(['json', 'text/csv']) === 'text/csv');
    if (csv) {
      res.type('text/csv; charset=utf-8').attachment(`reconciliation-${marketId}-${day}.csv`).send(toCsv(report, lang));
      return;
    }
    reply(res, spec, 200, { reconciliation: report });
  });
  return r;
}
