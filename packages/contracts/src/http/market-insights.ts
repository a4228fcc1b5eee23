import { z } from 'zod';
import { defineRoute } from './route';
import { pageOf, pageQueryShape } from './page';

/*
 * market-insights' HTTP API, one spec a route. The service validates requests and builds /openapi.json from these;
 * the web app calls them through market-insights.endpoints.ts (method and path, with these specs' types).
 *
 * Statistics, alert lists and the monthly report also answer CSV (and the report PDF), with ?format= or Accept; a
 * spec's schema is the JSON answer's and its `alternatives` name the others. The period of a table
 * (?from=&to= or ?period=&date=) is checked by the service's domain parser (src/domain/period.ts), which names the
 * field at fault; the spec documents it.
 */

/** What an alert is about. Stable: the web app and CSV exports name each one. */
export const ALERT_KINDS = [
  'payments_stopped',
  'payment_in_suspense',
  'settlement_failed',
  'unknown_poster',
  /** A code copying one of the stall's posters (serial, or code and name) that pays another account. */
  'fake_qr',
  /** A shopper the genuine check warned reported the code to the management (qr.reported). */
  'qr_reported',
  /** A stall's account received money with another stall's order code: the shape of a fake QR. */
  'order_code_of_other_stall',
  /** Failed logins on one of the market's accounts past the attack threshold (merchant.login-attack). */
  'login_attack',
] as const;
export type AlertKindName = (typeof ALERT_KINDS)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
/** A list's `?status=`: a stored status, or `unresolved` (open or acknowledged). */
export const ALERT_STATUS_FILTERS = [...ALERT_STATUSES, 'unresolved'] as const;

/** The statistics tables of one market (`/markets/:marketId/stats/:table`). */
export const MARKET_STATS_TABLES = [
  'adoption',
  'adoption-days',
  'payments',
  'zones',
  'categories',
  'stalls',
  'hours',
  'payers',
  'settlement',
] as const;
/** The statistics tables of the whole province (`/province/stats/:table`): per market instead of per stall. */
export const PROVINCE_STATS_TABLES = [
  'adoption',
  'adoption-days',
  'payments',
  'zones',
  'categories',
  'markets',
  'hours',
  'payers',
  'settlement',
] as const;
export type MarketStatsTable = (typeof MARKET_STATS_TABLES)[number];
export type StatsTable = (typeof MARKET_STATS_TABLES)[number] | (typeof PROVINCE_STATS_TABLES)[number];

/** A CSV export of alerts is every matching alert, not a page; past this many, narrow the filter. */
export const ALERTS_CSV_LIMIT = 10_000;

const timestamp = z.iso.datetime();
const tableFormat = z
  .enum(['json', 'csv', ''])
  .optional()
  .meta({ description: 'csv: UTF-8 with BOM, Excel-ready; absent or empty: by the Accept header, JSON by default' });
const csvLang = z
  .string()
  .optional()
  .meta({ description: "a CSV's headers and names: vi (default) or en (the JSON keys and English names)" });
const invalidFormat = { code: 'INSIGHTS.INVALID_FORMAT', message: 'format must be json or csv' };
const invalidPage = { code: 'HTTP.INVALID_PAGE', message: 'page must be ≥ 1 and pageSize between 1 and 100' };

export const alertViewSchema = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(['high', 'medium']),
  status: z.enum(ALERT_STATUSES),
  marketId: z.string(),
  merchantId: z.string().nullable(),
  stallCode: z.string().nullable(),
  zone: z.string().nullable(),
  title: z.string().meta({ description: 'Vietnamese, for people' }),
  link: z.string().meta({ description: 'relative URL of the page to act on it' }),
  raisedAt: timestamp,
  acknowledgedAt: timestamp.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: timestamp.nullable(),
  resolution: z.string().nullable().meta({
    description: 'payments_resumed | stall_not_active | reallocated | reversed | confirmed | line_paid',
  }),
  details: z.record(z.string(), z.unknown()).meta({ description: 'what the alert is about (kind-specific)' }),
  occurrences: z.int().meta({ description: 'sightings (e.g. scans of one fake QR)' }),
  occurredAt: z.array(timestamp).meta({ description: 'when each sighting happened' }),
});
export type AlertView = z.output<typeof alertViewSchema>;

const alertListQuery = z.object({
  // Filters first, then the format, then the page: the order the service always checked them in.
  status: z.enum(ALERT_STATUS_FILTERS).optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  format: tableFormat,
  lang: csvLang,
  ...pageQueryShape,
});
const alertListInvalid = {
  query: {
    code: 'INSIGHTS.INVALID_QUERY',
    message: 'unknown status or kind',
    fields: { format: invalidFormat, page: invalidPage, pageSize: invalidPage },
  },
};
const alertList = {
  description: 'a page of alerts',
  schema: pageOf(alertViewSchema),
  alternatives: {
    'text/csv': `every matching alert (up to ${ALERTS_CSV_LIMIT}), details as JSON text; UTF-8 with BOM`,
  },
};
const alertListErrors = { 400: ['INSIGHTS.INVALID_QUERY', 'INSIGHTS.INVALID_FORMAT', 'HTTP.INVALID_PAGE'] } as const;
const oneAlert = z.object({ alert: alertViewSchema });
const alertParams = z.object({ alertId: z.string() });

/** A table's cell: every statistics row is flat, its columns in a fixed order (the CSV's columns). */
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const row = z.record(z.string(), cell);
export type StatsRow = z.output<typeof row>;

// Strings here: the service's period parser checks them (an empty value is the default), naming the field at fault.
const statsQuery = z.object({
  from: z.string().optional().meta({ description: 'a day YYYY-MM-DD (Asia/Ho_Chi_Minh), with to' }),
  to: z.string().optional().meta({ description: 'a day YYYY-MM-DD, at most the configured range after from' }),
  period: z
    .enum(['day', 'week', 'month', ''])
    .optional()
    .meta({ description: 'with date: the day, its ISO week, its month' }),
  date: z.string().optional().meta({ description: 'a day YYYY-MM-DD; default: today' }),
  format: tableFormat,
  lang: csvLang,
});
const periodField = { code: 'INSIGHTS.INVALID_PERIOD', message: 'give a period once: from/to or period/date' };
const statsQueryInvalid = {
  code: 'INSIGHTS.INVALID_PERIOD',
  message: 'the period is invalid',
  fields: { from: periodField, to: periodField, period: periodField, date: periodField, format: invalidFormat },
};

const statsAnswer = z.object({
  scope: z.union([
    z.object({ level: z.literal('market'), marketId: z.string(), marketName: z.string().nullable() }),
    z.object({ level: z.literal('province'), markets: z.int() }),
  ]),
  period: z.object({
    from: z.string(),
    to: z.string(),
    days: z.int(),
    asOf: z.string().meta({ description: 'the day stall counts are taken at: to, or today if earlier' }),
  }),
  rows: z.array(row),
  totals: row.optional().meta({ description: 'the rows summed, where a table has totals' }),
  busiestHour: z.int().nullable().optional().meta({ description: 'hours' }),
  payableBalanceNow: z.int().optional().meta({ description: "settlement: the stalls' payable balances now" }),
});
export type StatsAnswer = z.output<typeof statsAnswer>;

const STATS_HELP =
  'Query: ?from=YYYY-MM-DD&to=YYYY-MM-DD, or ?period=day|week|month&date=YYYY-MM-DD (default: today); ' +
  '?format=csv or Accept: text/csv for CSV (UTF-8 with BOM; Vietnamese headers and names, ?lang=en for the JSON ' +
  'keys as headers and English names).';
const statsOk = {
  description: 'the table',
  schema: statsAnswer,
  alternatives: { 'text/csv': 'its rows, UTF-8 with BOM; the columns in the description' },
};
const noTable = { code: 'HTTP.NOT_FOUND', status: 404, message: 'no such statistics table' };

export const insightsRoutes = {
  listMarketAlerts: defineRoute({
    operationId: 'listMarketAlerts',
    method: 'get',
    path: '/markets/:marketId/alerts',
    summary: "A market's alerts, newest first (its managers, admins); ?format=csv or Accept: text/csv exports them",
    tags: ['alerts'],
    auth: true,
    request: { params: z.object({ marketId: z.string() }), query: alertListQuery },
    invalid: alertListInvalid,
    responses: { 200: alertList },
    errors: alertListErrors,
  }),
  listProvinceAlerts: defineRoute({
    operationId: 'listProvinceAlerts',
    method: 'get',
    path: '/province/alerts',
    summary: "Every market's alerts, newest first (admin); ?format=csv or Accept: text/csv exports them",
    tags: ['alerts'],
    auth: true,
    request: { query: alertListQuery },
    invalid: alertListInvalid,
    responses: { 200: alertList },
    errors: alertListErrors,
  }),
  getAlert: defineRoute({
    operationId: 'getAlert',
    method: 'get',
    path: '/alerts/:alertId',
    summary: 'One alert',
    tags: ['alerts'],
    auth: true,
    request: { params: alertParams },
    responses: { 200: { description: 'the alert', schema: oneAlert } },
    errors: { 404: ['INSIGHTS.ALERT_NOT_FOUND'] },
  }),
  acknowledgeAlert: defineRoute({
    operationId: 'acknowledgeAlert',
    method: 'post',
    path: '/alerts/:alertId/acknowledge',
    summary: 'Acknowledge an alert (someone is on it); idempotent',
    tags: ['alerts'],
    auth: true,
    request: { params: alertParams },
    responses: { 200: { description: 'the alert, acknowledged', schema: oneAlert } },
    errors: { 404: ['INSIGHTS.ALERT_NOT_FOUND'], 409: ['INSIGHTS.ALERT_RESOLVED'] },
  }),
  monthlyReport: defineRoute({
    operationId: 'monthlyReport',
    method: 'get',
    path: '/markets/:marketId/reports/monthly',
    summary:
      'The monthly report of a market, in Vietnamese: adoption (vs the month before), QR payments (by week, day, ' +
      'zone, category), fees and charges collected, payouts, alerts raised and handled. Managers of the market and admins.',
    tags: ['reports'],
    auth: true,
    request: {
      params: z.object({ marketId: z.string() }),
      // The format before the month: the order the service always checked them in.
      query: z.object({
        format: z
          .enum(['json', 'csv', 'pdf', ''])
          .optional()
          .meta({ description: 'absent or empty: by the Accept header, JSON by default' }),
        month: z.string().optional().meta({
          description: 'YYYY-MM (Asia/Ho_Chi_Minh); default: last month; the current month gives the figures so far',
        }),
      }),
    },
    invalid: {
      query: {
        code: 'INSIGHTS.INVALID_FORMAT',
        message: 'format must be pdf, csv or json',
        fields: {
          format: { code: 'INSIGHTS.INVALID_FORMAT', message: 'format must be pdf, csv or json' },
          month: { code: 'INSIGHTS.INVALID_MONTH', message: 'month must be YYYY-MM (e.g. 2025-03)' },
        },
      },
    },
    responses: {
      200: {
        description: 'the report: figures with English keys',
        alternatives: {
          'application/pdf': 'the report to print, A4, in Vietnamese',
          'text/csv': 'the report for Excel, one block per section, UTF-8 with BOM',
        },
        schema: z.object({
          report: z.looseObject({
            market: z.object({ id: z.string(), name: z.string().nullable() }),
            month: z.string(),
            period: z.object({ from: z.string(), to: z.string(), asOf: z.string(), complete: z.boolean() }),
            previousMonth: z.string(),
            generatedAt: timestamp,
          }),
        }),
      },
    },
    errors: {
      400: ['INSIGHTS.INVALID_MONTH', 'INSIGHTS.MONTH_IN_FUTURE', 'INSIGHTS.INVALID_FORMAT'],
      404: ['INSIGHTS.MARKET_NOT_FOUND'],
    },
  }),
  marketStats: defineRoute({
    operationId: 'marketStats',
    method: 'get',
    path: '/markets/:marketId/stats/:table',
    summary: 'A statistics table of one market (its managers, admins). Admins: 404 for a market no event named',
    description: STATS_HELP,
    tags: ['statistics'],
    auth: true,
    request: { params: z.object({ marketId: z.string(), table: z.enum(MARKET_STATS_TABLES) }), query: statsQuery },
    invalid: { params: noTable, query: statsQueryInvalid },
    responses: { 200: statsOk },
    errors: {
      400: ['INSIGHTS.INVALID_PERIOD', 'INSIGHTS.INVALID_FORMAT'],
      404: ['HTTP.NOT_FOUND', 'INSIGHTS.MARKET_NOT_FOUND'],
    },
  }),
  provinceStats: defineRoute({
    operationId: 'provinceStats',
    method: 'get',
    path: '/province/stats/:table',
    summary: 'A statistics table of every market at once (admin)',
    description: STATS_HELP,
    tags: ['statistics'],
    auth: true,
    request: { params: z.object({ table: z.enum(PROVINCE_STATS_TABLES) }), query: statsQuery },
    invalid: { params: noTable, query: statsQueryInvalid },
    responses: { 200: statsOk },
    errors: { 400: ['INSIGHTS.INVALID_PERIOD', 'INSIGHTS.INVALID_FORMAT'], 404: ['HTTP.NOT_FOUND'] },
  }),
};

export type InsightsRoutes = typeof insightsRoutes;
