import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import {
  alertKindText,
  alertStatusText,
  localTimeText,
  resolutionText,
  severityText,
  zoneText,
  type CellText,
} from '../http/csv-text';
import { pick, rowSchema, sendTable, wantsCsv, type Column } from '../http/table';
import type { AlertKind } from '../store/models';
import { publicAlert, type AlertService, type StatusFilter } from './alerts.service';

const KINDS = [
  'payments_stopped',
  'payment_in_suspense',
  'settlement_failed',
  'unknown_poster',
  'fake_qr',
  'qr_reported',
  'order_code_of_other_stall',
  'login_attack',
] as const satisfies AlertKind[];
const STATUSES = ['open', 'acknowledged', 'resolved', 'unresolved'] as const satisfies StatusFilter[];
/** A CSV export is every matching alert, not a page; past this many, narrow the filter. */
const CSV_LIMIT = 10_000;

const s = (name: string, vi: string, nullable = false, description?: string, text?: CellText): Column => ({
  name,
  vi,
  type: 'string',
  nullable,
  description,
  ...(text ? { text } : {}),
});
export const ALERT_COLUMNS: Column[] = [
  s('id', 'Mã cảnh báo'),
  s('kind', 'Loại', false, KINDS.join(' | '), alertKindText),
  s('severity', 'Mức độ', false, 'high | medium', severityText),
  s('status', 'Trạng thái', false, 'open | acknowledged | resolved', alertStatusText),
  s('marketId', 'Mã chợ'),
  s('merchantId', 'Mã sạp (hệ thống)', true),
  s('stallCode', 'Sạp', true),
  s('zone', 'Khu', true, undefined, zoneText),
  s('title', 'Nội dung', false, 'Vietnamese, for people'),
  s('link', 'Đường dẫn', false, 'relative URL of the page to act on it'),
  s('raisedAt', 'Thời điểm báo', false, 'an instant (CSV: local time, Asia/Ho_Chi_Minh)', localTimeText),
  s('acknowledgedAt', 'Thời điểm nhận xử lý', true, undefined, localTimeText),
  s('acknowledgedBy', 'Người nhận xử lý', true),
  s('resolvedAt', 'Thời điểm xong', true, undefined, localTimeText),
  s(
    'resolution',
    'Cách giải quyết',
    true,
    'payments_resumed | stall_not_active | reallocated | reversed | confirmed | line_paid',
    resolutionText,
  ),
  s('details', 'Chi tiết (JSON)', false, 'JSON object: what the alert is about (kind-specific)'),
  {
    name: 'occurrences',
    vi: 'Số lần',
    type: 'integer',
    nullable: false,
    description: 'sightings (e.g. scans of one fake QR)',
  },
  s(
    'occurredAt',
    'Các thời điểm',
    false,
    'when each sighting happened (JSON array of instants; CSV: local times separated by "; ")',
    localTimeText,
  ),
];

const listQuery = z.object({
  status: z.enum(STATUSES).optional(),
  kind: z.enum(KINDS).optional(),
});

const LIST_HELP =
  '?status=open|acknowledged|resolved|unresolved&kind=&page=&pageSize=; ?format=csv or Accept: text/csv exports ' +
  `every matching alert (up to ${CSV_LIMIT})`;

const listDoc = (path: string, summary: string): RouteDoc => ({
  method: 'get',
  path,
  summary: `${summary}, newest first. ${LIST_HELP}`,
  tags: ['alerts'],
  auth: true,
  responses: {
    '200': {
      description: 'a page of alerts (CSV: every matching alert; details as JSON text)',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  ...rowSchema(ALERT_COLUMNS),
                  properties: {
                    ...(rowSchema(ALERT_COLUMNS).properties as object),
                    details: { type: 'object' },
                    occurredAt: { type: 'array', items: { type: 'string', format: 'date-time' } },
                  },
                },
              },
              page: { type: 'integer' },
              pageSize: { type: 'integer' },
              total: { type: 'integer' },
              totalPages: { type: 'integer' },
            },
          },
        },
        'text/csv': {
          schema: { type: 'string', description: `columns: ${ALERT_COLUMNS.map((c) => c.name).join(', ')}` },
        },
      },
    },
  },
});

export const alertRoutes: RouteDoc[] = [
  listDoc('/markets/:marketId/alerts', "A market's alerts (its managers, admins)"),
  listDoc('/province/alerts', "Every market's alerts (admin)"),
  { method: 'get', path: '/alerts/:alertId', summary: 'One alert', tags: ['alerts'], auth: true },
  {
    method: 'post',
    path: '/alerts/:alertId/acknowledge',
    summary: 'Acknowledge an alert (someone is on it); idempotent. 409 INSIGHTS.ALERT_RESOLVED once resolved',
    tags: ['alerts'],
    auth: true,
    responses: {
      '200': { description: '{alert}' },
      '404': { description: 'INSIGHTS.ALERT_NOT_FOUND' },
      '409': { description: 'INSIGHTS.ALERT_RESOLVED' },
    },
  },
];

export function alertsRouter(deps: { alerts: AlertService; access: AccessControl; clock: () => Date }): Router {
  const { alerts, access } = deps;
  const r = Router();

  const list = async (req: Request, res: Response, marketId: string | undefined) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) {
      throw new AppError('INSIGHTS.INVALID_QUERY', 'unknown status or kind', 400, {
        issues: q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const csv = wantsCsv(req);
    const page = parsePageQuery(req.query);
    const { items, total } = await alerts.list({
      marketId,
      ...q.data,
      skip: csv ? 0 : (page.page - 1) * page.pageSize,
      limit: csv ? CSV_LIMIT : page.pageSize,
    });
    const shown = items.map(publicAlert);
    sendTable(req, res, {
      filename: `alerts-${marketId ?? 'province'}`,
      columns: ALERT_COLUMNS,
      rows: shown.map((a) => pick(ALERT_COLUMNS, { ...a, details: JSON.stringify(a.details) })),
      json: { ...toPage(shown, total, page) },
    });
  };

  r.get('/markets/:marketId/alerts', access.required, async (req, res) => {
    const marketId = String(req.params.marketId);
    access.requireMarket(req, marketId);
    await list(req, res, marketId);
  });

  r.get('/province/alerts', access.required, async (req, res) => {
    access.requireProvince(req);
    await list(req, res, undefined);
  });

  r.get('/alerts/:alertId', access.required, async (req, res) => {
    const alert = await alerts.get(String(req.params.alertId));
    access.requireMarket(req, alert.marketId);
    res.json({ alert: publicAlert(alert) });
  });

  r.post('/alerts/:alertId/acknowledge', access.required, async (req, res) => {
    const id = String(req.params.alertId);
    access.requireMarket(req, (await alerts.get(id)).marketId);
    const alert = await alerts.acknowledge(id, access.principal(req).sub, deps.clock());
    res.json({ alert: publicAlert(alert) });
  });

  return r;
}
