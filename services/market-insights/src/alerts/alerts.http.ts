import { Router, type Request, type Response } from 'express';
import { ALERT_KINDS, ALERTS_CSV_LIMIT, insightsRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply, toPage } from '@marketqr/service-kit';
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
import { pick, sendCsv, wantsCsv, type Column } from '../http/table';
import type { AlertKind } from '../store/models';
import { publicAlert, type AlertService } from './alerts.service';

const KINDS = ALERT_KINDS satisfies readonly AlertKind[];
const CSV_LIMIT = ALERTS_CSV_LIMIT;

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

export const alertRoutes = [
  routes.listMarketAlerts,
  routes.listProvinceAlerts,
  routes.getAlert,
  routes.acknowledgeAlert,
];

type ListRoute = typeof routes.listMarketAlerts | typeof routes.listProvinceAlerts;

export function alertsRouter(deps: { alerts: AlertService; access: AccessControl; clock: () => Date }): Router {
  const { alerts, access } = deps;
  const r = Router();

  const list = async (spec: ListRoute, req: Request, res: Response, marketId: string | undefined) => {
    // Filters, then the format, then the page (the spec's field order); a CSV's ?lang= and Accept in wantsCsv.
    const { status, kind, format: _format, lang: _lang, ...page } = parsePart(spec, 'query', req.query);
    const csv = wantsCsv(req);
    const { items, total } = await alerts.list({
      marketId,
      status,
      kind,
      // A CSV is every alert up to CSV_LIMIT: one page that large.
      page: csv ? { page: 1, pageSize: CSV_LIMIT } : page,
    });
    const shown = items.map(publicAlert);
    if (csv) {
      return sendCsv(req, res, {
        filename: `alerts-${marketId ?? 'province'}`,
        columns: ALERT_COLUMNS,
        rows: shown.map((a) => pick(ALERT_COLUMNS, { ...a, details: JSON.stringify(a.details) })),
      });
    }
    reply(res.set('Vary', 'Accept'), spec, 200, toPage(shown, total, page));
  };

  r.get(routes.listMarketAlerts.path, access.required, async (req, res) => {
    const { marketId } = parsePart(routes.listMarketAlerts, 'params', req.params);
    access.requireMarket(req, marketId);
    await list(routes.listMarketAlerts, req, res, marketId);
  });

  r.get(routes.listProvinceAlerts.path, access.required, async (req, res) => {
    access.requireProvince(req);
    await list(routes.listProvinceAlerts, req, res, undefined);
  });

  r.get(routes.getAlert.path, access.required, async (req, res) => {
    const alert = await alerts.get(parsePart(routes.getAlert, 'params', req.params).alertId);
    access.requireMarket(req, alert.marketId);
    reply(res, routes.getAlert, 200, { alert: publicAlert(alert) });
  });

  const acknowledge = routes.acknowledgeAlert;
  r.post(acknowledge.path, access.required, async (req, res) => {
    const id = parsePart(acknowledge, 'params', req.params).alertId;
    access.requireMarket(req, (await alerts.get(id)).marketId);
    const alert = await alerts.acknowledge(id, access.principal(req).sub, deps.clock());
    reply(res, acknowledge, 200, { alert: publicAlert(alert) });
  });

  return r;
}
