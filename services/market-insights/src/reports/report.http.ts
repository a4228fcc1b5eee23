import { Router, type Request } from 'express';
import { insightsRoutes as routes } from '@marketqr/contracts';
import { AppError, parsePart, reply } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { localTime } from '../domain/time';
import type { StatsService } from '../stats/stats.service';
import { lastMonth, monthPeriod, MonthError, type MonthlyReportService } from './monthly';
import { reportCsv } from './report-csv';
import { reportPdf } from './report-pdf';

type Format = 'json' | 'csv' | 'pdf';

/** `?format=pdf|csv|json` (checked by the spec), or no format and an Accept header that prefers one (JSON by default). */
function formatOf(req: Request, format: Format | '' | undefined): Format {
  if (format) return format;
  const accepted = req.accepts(['application/json', 'application/pdf', 'text/csv']);
  return accepted === 'application/pdf' ? 'pdf' : accepted === 'text/csv' ? 'csv' : 'json';
}

export const reportRoutes = [routes.monthlyReport];

export function reportRouter(deps: {
  reports: MonthlyReportService;
  stats: StatsService;
  access: AccessControl;
  clock: () => Date;
}): Router {
  const { reports, stats, access } = deps;
  const r = Router();

  const spec = routes.monthlyReport;
  r.get(spec.path, access.required, async (req, res) => {
    const { marketId } = parsePart(spec, 'params', req.params);
    access.requireMarket(req, marketId);
    const now = deps.clock();
    const today = localTime(now).day;
    // The format before the month (the spec's field order); the month's calendar rules in monthPeriod.
    const q = parsePart(spec, 'query', req.query);
    const format = formatOf(req, q.format);
    const month = q.month || lastMonth(today);
    let period;
    try {
      period = monthPeriod(month, today);
    } catch (err) {
      if (err instanceof MonthError) throw new AppError(err.code, err.message, 400, { field: 'month' });
      throw err;
    }
    // As for the statistics: a manager's own market is real before its first stall reaches us (zeros are the truth),
    // an admin naming a market no event ever mentioned gets 404.
    if (access.principal(req).role !== 'market_manager' && !(await stats.marketKnown(marketId))) {
      throw new AppError('INSIGHTS.MARKET_NOT_FOUND', `no market ${marketId} is known to market-insights`, 404);
    }
    const report = await reports.build(marketId, period, now);
    const filename = `bao-cao-thang-${marketId.replace(/[^A-Za-z0-9._-]/g, '_')}-${period.month}`;
    res.set('Vary', 'Accept');
    // Spread: the spec's report is an open object, which an interface is not assignable to as it stands.
    if (format === 'json') return reply(res, spec, 200, { report: { ...report } });
    if (format === 'csv') {
      return void res
        .status(200)
        .set('Content-Type', 'text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="${filename}.csv"`)
        .send(reportCsv(report));
    }
    const pdf = await reportPdf(report);
    // inline: the browser opens it to print; its name is still offered when saved.
    res
      .status(200)
      .set('Content-Type', 'application/pdf')
      .set('Content-Disposition', `inline; filename="${filename}.pdf"`)
      .set('Cache-Control', 'private, no-store')
      .send(pdf);
  });

  return r;
}
