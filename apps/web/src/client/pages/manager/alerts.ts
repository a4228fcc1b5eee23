/** The alerts tab: what market-insights flagged, and what the manager did about it. */
import type { AlertView } from '@marketqr/contracts/dist/http/market-insights';
import { insightsApi, insightsLinks, withToken } from '../../api';
import { h } from '../../dom';
import { formatDateTime } from '../../format';
import { t, type MessageKey } from '../../i18n';
import { errorMessage, toast } from '../../layout';
import { labelOf } from '../../labels';

/** market-insights links alerts to `/manager/...` paths: followed inside this page. */
export async function alerts(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const { items: list } = await insightsApi.listMarketAlerts({
    params: { marketId },
    query: { status: 'unresolved', pageSize: 50 },
  });
  const csv = h(
    'a',
    { class: 'btn block', href: withToken(insightsLinks.alertsCsv(marketId)), download: true },
    t('dash.csv'),
  );
  if (!list.length) return [h('p', { class: 'muted card' }, t('alerts.empty')), csv];
  const ack = (id: string) =>
    insightsApi
      .acknowledgeAlert({ params: { alertId: id } })
      .then(rerender)
      .catch((e: unknown) => toast(errorMessage(e), 'error'));
  return [
    h(
      'ul',
      { class: 'cards', 'data-testid': 'alerts' },
      list.map((a) =>
        h(
          'li',
          { class: `card alert sev-${a.severity}${focus === a.id ? ' focus' : ''}` },
          h(
            'div',
            { class: 'row spread' },
            h('span', { class: `pill sev-${a.severity}` }, t(`alerts.severity.${a.severity}` as MessageKey)),
            h('time', { class: 'muted' }, formatDateTime(a.raisedAt)),
          ),
          h('strong', {}, a.title),
          a.stallCode
            ? h(
                'div',
                { class: 'muted' },
                `${t('common.stall', { code: a.stallCode })}${a.zone ? ` · ${labelOf('zone', a.zone)}` : ''}`,
              )
            : null,
          alertFacts(a),
          a.status === 'acknowledged' ? h('div', { class: 'muted' }, t('alerts.acknowledged')) : null,
          h(
            'div',
            { class: 'row wrap' },
            // An alert that links to itself is already open here when focused.
            a.link && !(focus === a.id && a.link.startsWith('/manager/alerts/'))
              ? h('a', { class: 'btn primary', href: a.link }, actionLabel(a.kind))
              : null,
            a.status === 'open'
              ? h('button', { type: 'button', class: 'btn', onclick: () => void ack(a.id) }, t('alerts.acknowledge'))
              : null,
          ),
        ),
      ),
    ),
    csv,
  ];
}

function actionLabel(kind: string): string {
  if (kind === 'payment_in_suspense') return t('manager.tab.suspense');
  if (kind === 'settlement_failed') return t('manager.tab.settlement');
  if (kind === 'fake_qr' || kind === 'unknown_poster' || kind === 'qr_reported') return t('alerts.details');
  return t('manager.tab.approvals');
}

/**
 * What a manager needs to act on a QR alert without opening anything else: where the money would go (account and
 * bank) and every time the code was scanned, repeats on one alert.
 */
function alertFacts(a: AlertView): HTMLElement | null {
  const d = a.details;
  const times = a.occurredAt;
  if (!d.accountNumber && times.length <= 1) return null;
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'alert-facts' },
    d.accountNumber
      ? [
          h('dt', {}, t('alerts.account')),
          h('dd', {}, `${String(d.accountNumber)}${d.bank ? ` · ${String(d.bank)}` : ''}`),
        ]
      : [],
    times.length
      ? [
          h(
            'dt',
            {},
            t(a.kind === 'qr_reported' ? 'alerts.reports' : 'alerts.scans', {
              n: a.occurrences,
            }),
          ),
          h('dd', {}, times.slice(-10).map(formatDateTime).join(', ')),
        ]
      : [],
  );
}
