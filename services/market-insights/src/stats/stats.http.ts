import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  insightsRoutes as routes,
  MARKET_STATS_TABLES,
  PROVINCE_STATS_TABLES,
  type RouteSpec,
  type StatsRow,
  type StatsTable,
} from '@marketqr/contracts';
import { AppError, parsePart, reply } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { parsePeriod, PeriodError, type Period } from '../domain/period';
import { dayCount, localTime } from '../domain/time';
import { categoryText, stallStatusText, yesNo, zoneText, type CellText } from '../http/csv-text';
import { pick, sendCsv, wantsCsv, type Column } from '../http/table';
import type { Scope, StatsService } from './stats.service';

const int = (name: string, vi: string, description?: string): Column => ({ name, vi, type: 'integer', description });
const text = (name: string, vi: string, description?: string, nullable = false, cell?: CellText): Column => ({
  name,
  vi,
  type: 'string',
  nullable,
  description,
  ...(cell ? { text: cell } : {}),
});
const flag = (name: string, vi: string, description?: string): Column => ({
  name,
  vi,
  type: 'boolean',
  description,
  text: yesNo,
});

const PAYMENT_COLUMNS: Column[] = [
  int(
    'paymentCount',
    'Số giao dịch',
    'cashless payments credited to stalls, paidAt in the period (Asia/Ho_Chi_Minh), net of reversals',
  ),
  int('paymentValue', 'Tổng tiền (đồng)', 'their total in đồng'),
  {
    name: 'averageTicket',
    vi: 'Trung bình mỗi giao dịch (đồng)',
    type: 'integer',
    nullable: true,
    description: 'paymentValue / paymentCount in đồng, rounded half up; null without payments',
  },
  int('dynamicCount', 'Giao dịch QR động', 'payments to a dynamic QR (an order code, or a QR issued as dynamic)'),
  int('dynamicValue', 'Tiền QR động (đồng)'),
  int(
    'staticCount',
    'Giao dịch QR tĩnh',
    'payments to the printed static QR (or to the stall account without an order code)',
  ),
  int('staticValue', 'Tiền QR tĩnh (đồng)'),
  {
    name: 'dynamicShare',
    vi: 'Tỷ lệ QR động',
    type: 'number',
    nullable: true,
    description: 'dynamicCount / paymentCount, 4 decimals, rounded half up',
  },
];

const ADOPTION_COLUMNS: Column[] = [
  int('registered', 'Sạp đã đăng ký', 'stalls registered on or before the as-of day'),
  int('active', 'Sạp đang hoạt động', 'stalls whose status at the end of the as-of day is active'),
  int('withPrintedQr', 'Sạp có QR in', 'stalls with an unrevoked static QR issued on or before the as-of day'),
  int(
    'withPayment7d',
    'Sạp có giao dịch QR trong 7 ngày',
    'stalls with ≥ 1 payment in the 7 days ending on the as-of day',
  ),
  int(
    'withPayment30d',
    'Sạp có giao dịch QR trong 30 ngày',
    'stalls with ≥ 1 payment in the 30 days ending on the as-of day',
  ),
  int(
    'activeWithPayment7d',
    'Sạp đang hoạt động có giao dịch QR trong 7 ngày',
    'active stalls among withPayment7d: the stalls using QR, numerator of adoptionRate',
  ),
  int('activeWithPayment30d', 'Sạp đang hoạt động có giao dịch QR trong 30 ngày', 'active stalls among withPayment30d'),
  {
    name: 'adoptionRate',
    vi: 'Tỷ lệ sạp dùng QR',
    type: 'number',
    nullable: true,
    description:
      'activeWithPayment7d / active: the share of active stalls that received at least one QR payment in the 7 days ' +
      'ending on the as-of day; 4 decimals, rounded half up; null without active stalls',
  },
  ...PAYMENT_COLUMNS,
];

const DAY = text('day', 'Ngày');
const ZONE = text('zone', 'Khu', undefined, false, zoneText);
const MARKET_ID = text('marketId', 'Mã chợ');
const MARKET_NAME = text('marketName', 'Tên chợ', undefined, true);

const SETTLEMENT_COLUMNS: Column[] = [
  text('day', 'Ngày', 'business day of the settlement'),
  int('batchedLines', 'Số dòng trong đợt chi trả', 'lines in payout batches created for the day'),
  int('batchedGross', 'Tổng thu trong đợt (đồng)'),
  int('batchedFee', 'Phí trong đợt (đồng)'),
  int('batchedNet', 'Thực chi trong đợt (đồng)'),
  int('paidLines', 'Số dòng đã chi trả', 'lines the bank confirmed paid (settlement.paid)'),
  int('paidGross', 'Tổng thu đã chi trả (đồng)'),
  int('paidFee', 'Phí đã thu (đồng)', 'fees of the paid lines'),
  int('paidCharges', 'Phí chợ đã trừ (đồng)', 'market charges netted from the paid lines'),
  int('paidNet', 'Tiểu thương thực nhận (đồng)', 'what reached the vendors'),
  int('failedAttempts', 'Số lần chi trả lỗi', 'payout attempts that failed (settlement.failed)'),
];

/** A table's rows and what comes with them (the JSON answer only): as the route spec's answer names them. */
type Built = { rows: object[]; totals?: StatsRow; busiestHour?: number | null; payableBalanceNow?: number };

interface Table {
  name: StatsTable;
  summary: string;
  /** Columns at market level; at province level when `provinceColumns` is absent too. */
  columns?: Column[];
  provinceColumns?: Column[];
  build: (stats: StatsService, scope: Scope, period: Period) => Promise<Built>;
}

const TABLES: Table[] = [
  {
    name: 'adoption',
    summary: 'Adoption: stalls registered, active, with a printed QR, paying in 7/30 days, adoption rate, payments',
    columns: ADOPTION_COLUMNS,
    build: (s, scope, p) => s.adoption(scope, p),
  },
  {
    name: 'adoption-days',
    summary:
      'Adoption as of each day of the period, one row per day (the adoption table for a one-day period, day by day)',
    columns: [DAY, ...ADOPTION_COLUMNS],
    build: (s, scope, p) => s.adoptionDays(scope, p),
  },
  {
    name: 'payments',
    summary: 'Cashless payments per day of the period (count, value, average ticket, dynamic vs static)',
    columns: [DAY, ...PAYMENT_COLUMNS],
    build: (s, scope, p) => s.payments(scope, p),
  },
  {
    name: 'zones',
    summary: 'Adoption and payments per zone (province: per market and zone)',
    columns: [ZONE, ...ADOPTION_COLUMNS],
    provinceColumns: [MARKET_ID, MARKET_NAME, ZONE, ...ADOPTION_COLUMNS],
    build: (s, scope, p) => s.zones(scope, p),
  },
  {
    name: 'categories',
    summary: 'Adoption and payments per goods category',
    columns: [text('category', 'Ngành hàng', undefined, false, categoryText), ...ADOPTION_COLUMNS],
    build: (s, scope, p) => s.categories(scope, p),
  },
  {
    name: 'markets',
    summary: 'Adoption and payments per market of the province',
    columns: [MARKET_ID, MARKET_NAME, ...ADOPTION_COLUMNS],
    build: (s, _scope, p) => s.markets(p),
  },
  {
    name: 'stalls',
    summary:
      'Per stall: status, printed QR, paid in 7/30 days and last payment day as of the as-of day; payments in it',
    columns: [
      text('merchantId', 'Mã sạp (hệ thống)'),
      text('stallCode', 'Sạp', undefined, true),
      text('vendorName', 'Tiểu thương', "the vendor's name, as registered", true),
      text('zone', 'Khu', undefined, true, zoneText),
      text('category', 'Ngành hàng', undefined, true, categoryText),
      text(
        'status',
        'Trạng thái',
        'status at the end of the as-of day (null before registration)',
        true,
        stallStatusText,
      ),
      text('registeredDay', 'Ngày đăng ký', undefined, true),
      flag('hasPrintedQr', 'Có QR in'),
      flag('paidIn7d', 'Có giao dịch QR trong 7 ngày'),
      flag('paidIn30d', 'Có giao dịch QR trong 30 ngày'),
      text(
        'lastPaymentDay',
        'Ngày có giao dịch gần nhất',
        'last day with a payment within the 30 days ending on the as-of day',
        true,
      ),
      ...PAYMENT_COLUMNS,
    ],
    build: (s, scope, p) => s.stalls(scope, p),
  },
  {
    name: 'hours',
    summary: 'Busiest hours: payments per hour of the day (0–23, Asia/Ho_Chi_Minh) over the period',
    columns: [int('hour', 'Giờ'), int('paymentCount', 'Số giao dịch'), int('paymentValue', 'Tổng tiền (đồng)')],
    build: (s, scope, p) => s.hours(scope, p),
  },
  {
    name: 'payers',
    summary:
      'New vs returning payers per day (payer = salted hash of the payer account, or of the name when the bank gives no account)',
    columns: [
      DAY,
      int('payers', 'Số người trả', 'distinct payers that day'),
      int('newPayers', 'Người trả lần đầu', 'payers whose first payment in the scope was that day'),
      int('returningPayers', 'Người trả quay lại', 'payers who had paid in the scope on an earlier day'),
      int('paymentsWithPayer', 'Giao dịch biết người trả', 'payments whose bank notification named the payer'),
      int('paymentsWithoutPayer', 'Giao dịch không rõ người trả'),
    ],
    build: (s, scope, p) => s.payers(scope, p),
  },
  {
    name: 'settlement',
    summary: 'Settlement per business day: batched, paid (gross, fees, charges, net), failed attempts',
    columns: SETTLEMENT_COLUMNS,
    build: (s, scope, p) => s.settlement(scope, p),
  },
];

const atLevel: Record<'market' | 'province', readonly StatsTable[]> = {
  market: MARKET_STATS_TABLES,
  province: PROVINCE_STATS_TABLES,
};
const specOf = { market: routes.marketStats, province: routes.provinceStats } as const;

function tableAt(name: string, level: 'market' | 'province'): Table {
  const t = TABLES.find((x) => x.name === name);
  // The contract lists a level's tables; each must be built here (checked at start, not on a caller's request).
  if (!t) throw new Error(`statistics table ${name} (${level}) is in the route spec but not built`);
  return t;
}
for (const level of ['market', 'province'] as const) for (const name of atLevel[level]) tableAt(name, level);

const columnsOf = (t: Table, level: 'market' | 'province') =>
  (level === 'province' ? (t.provinceColumns ?? t.columns) : t.columns)!;

/**
 * The specs as /openapi.json shows them: the contract's, with each table's summary and columns (which the service
 * knows, and the rows' schema in the contract leaves open) added to the description.
 */
function documented(level: 'market' | 'province'): RouteSpec {
  const spec = specOf[level];
  const tables = atLevel[level].map((name) => {
    const t = tableAt(name, level);
    return `- \`${name}\`: ${t.summary}. Columns: ${columnsOf(t, level)
      .map((c) => c.name)
      .join(', ')}`;
  });
  return { ...spec, description: `${spec.description}\n\nTables:\n${tables.join('\n')}` };
}

export const statsRoutes: RouteSpec[] = [documented('market'), documented('province')];

export function statsRouter(deps: {
  stats: StatsService;
  access: AccessControl;
  clock: () => Date;
  maxRangeDays: number;
}): Router {
  const { stats, access } = deps;
  const r = Router();

  const period = (req: Request): Period => {
    try {
      return parsePeriod(req.query, localTime(deps.clock()).day, deps.maxRangeDays);
    } catch (err) {
      if (err instanceof PeriodError)
        throw new AppError('INSIGHTS.INVALID_PERIOD', err.message, 400, { field: err.field });
      throw err;
    }
  };

  const serve = (level: 'market' | 'province') => async (req: Request, res: Response) => {
    const spec = specOf[level];
    const params = parsePart(spec, 'params', req.params);
    const t = tableAt(params.table, level);
    let scope: Scope;
    if ('marketId' in params) {
      const { marketId } = params;
      access.requireMarket(req, marketId);
      // Authorized first. A manager's own market is real even before its first stall reaches us (zeros are the
      // truth then); an admin naming a market no event ever mentioned gets 404, not a table of zeros.
      if (access.principal(req).role !== 'market_manager' && !(await stats.marketKnown(marketId))) {
        throw new AppError('INSIGHTS.MARKET_NOT_FOUND', `no market ${marketId} is known to market-insights`, 404);
      }
      scope = { level: 'market', marketId };
    } else {
      access.requireProvince(req);
      scope = { level: 'province' };
    }
    // The period first, by the domain parser that names the field at fault; then the rest of the query.
    const p = period(req);
    parsePart(spec, 'query', req.query);
    const csv = wantsCsv(req); // a bad ?format= or a CSV's ?lang= fails before any work
    const columns = columnsOf(t, level);
    // The scope's description (a `distinct` over stalls for the province) is only in the JSON answer.
    const [built, info] = await Promise.all([t.build(stats, scope, p), csv ? undefined : stats.scopeInfo(scope)]);
    const { rows: raw, ...extra } = built;
    const rows = raw.map((row) => pick(columns, row));
    if (csv) {
      const filename = `${t.name}-${scope.level === 'market' ? scope.marketId : 'province'}-${p.from}_${p.to}`;
      return sendCsv(req, res, { filename, columns, rows });
    }
    reply(res.set('Vary', 'Accept'), spec, 200, {
      scope: info!,
      period: { from: p.from, to: p.to, days: dayCount(p.from, p.to), asOf: p.asOf ?? p.to },
      rows,
      ...extra,
    });
  };

  // An unknown table is not found before anything else is asked (the token included), as when each had a path.
  const knownTable =
    (spec: RouteSpec): RequestHandler =>
    (req, _res, next) => {
      parsePart(spec, 'params', req.params);
      next();
    };
  r.get(routes.marketStats.path, knownTable(routes.marketStats), access.required, serve('market'));
  r.get(routes.provinceStats.path, knownTable(routes.provinceStats), access.required, serve('province'));
  return r;
}
