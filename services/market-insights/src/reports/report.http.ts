import { Router, type Request } from 'express';
import { AppError, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { localTime } from '../domain/time';
import type { StatsService } from '../stats/stats.service';
import { lastMonth, monthPeriod, MonthError, type MonthlyReportService } from './monthly';
import { reportCsv } from './report-csv';
import { reportPdf } from './report-pdf';

type Format = 'json' | 'csv' | 'pdf';

/** `?format=pdf|csv|json`, or no format and an Accept header that prefers one of them (JSON by default). */
function formatOf(req: Request): Format {
  const f = req.query.format;
  if (f === undefined || f === '') {
    const accepted = req.accepts(['application/json', 'application/pdf', 'text/csv']);
    return accepted === 'application/pdf' ? 'pdf' : accepted === 'text/csv' ? 'csv' : 'json';
  }
  if (f === 'json' || f === 'csv' || f === 'pdf') return f;
  throw new AppError('INSIGHTS.INVALID_FORMAT', 'format must be pdf, csv or json', 400, { field: 'format' });
}

export const reportRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/markets/:marketId/reports/monthly',
    summary:
      'The monthly report of a market, in Vietnamese: adoption (vs the month before), QR payments (by week, day, ' +
      'zone, category), fees and charges collected, payouts, alerts raised and handled. ?month=YYYY-MM (Asia/Ho_Chi_Minh; ' +
      'default: last month; the current month gives the figures so far); ?format=pdf (A4) | csv (UTF-8 with BOM, one ' +
      'block per section) | json, or Accept. Managers of the market and admins.',
    tags: ['reports'],
    auth: true,
    responses: {
      '200': {
        description: 'the report',
        content: {
          'application/json': { schema: { type: 'object', description: 'figures with English keys (MonthlyReport)' } },
          'application/pdf': { schema: { type: 'string', format: 'binary' } },
          'text/csv': { schema: { type: 'string' } },
        },
      },
      '400': {
        description:
          'INSIGHTS.INVALID_MONTH (not YYYY-MM), INSIGHTS.MONTH_IN_FUTURE (after the current month), INSIGHTS.INVALID_FORMAT',
      },
      '403': { description: 'AUTH.FORBIDDEN: not a manager of this market (nor an admin)' },
      '404': { description: 'INSIGHTS.MARKET_NOT_FOUND (admins: no event ever named the market)' },
    },
  },
];

export function reportRouter(deps: {
  reports: MonthlyReportService;
  stats: StatsService;
  access: AccessControl;
  clock: () => Date;
}): Router {
  const { reports, stats, access } = deps;
  const r = Router();

  r.get('/markets/:marketId/reports/monthly', access.required, async (req, res) => {
    const marketId = String(req.params.marketId);
    access.requireMarket(req, marketId);
    const now = deps.clock();
    const today = localTime(now).day;
    const format = formatOf(req);
    const month = req.query.month === undefined || req.query.month === '' ? lastMonth(today) : req.query.month;
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
    if (format === 'json') return void res.json({ report });
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
