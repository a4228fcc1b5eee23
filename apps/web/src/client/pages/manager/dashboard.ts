/** The dashboard tab: adoption, payments per day, zones, categories, busiest hours, the monthly report. */
import type { MarketStatsTable, StatsAnswer, StatsRow } from '@marketqr/contracts/dist/http/market-insights';
import { insightsApi, insightsLinks, paths, withToken } from '../../api';
import { barChart, emptyChart, hbarChart, hoursChart, lineChart, type Point } from '../../charts';
import { h } from '../../dom';
import {
  businessDay,
  formatCount,
  formatDate,
  formatDayShort,
  formatPercent,
  formatTime,
  formatVnd,
} from '../../format';
import { lang, t, type MessageKey } from '../../i18n';
import { labelOf } from '../../labels';

/** The dashboard's numbers, from market-insights' answers (shapes read leniently: the service is young). */
export interface DashboardData {
  /** The period every chart (and its CSV) covers: the 14 days to today. */
  from: string;
  to: string;
  activeStalls: number | null;
  registeredStalls: number | null;
  /** Active stalls with at least one QR payment in the 7 days to today: adoptionRate's numerator (over activeStalls). */
  adoptedStalls: number | null;
  adoptionRate: number | null;
  paymentsToday: number | null;
  amountToday: number | null;
  adoption: Point[];
  daily: Point[];
  zones: Point[];
  categories: Point[];
  hours: number[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export async function loadDashboard(marketId: string): Promise<DashboardData> {
  const today = businessDay();
  const days = Array.from({ length: 14 }, (_, i) => addDays(today, i - 13));
  const table = (name: MarketStatsTable) =>
    insightsApi.marketStats({ params: { marketId, table: name }, query: { from: days[0], to: today } });
  const rows = (data: StatsAnswer) => data.rows;
  const [adoptionDays, payments, zones, categories, hours] = await Promise.all([
    // Adoption as of each day of the chart (each looks back 30 days), today's last: one request for the series.
    table('adoption-days'),
    table('payments'),
    table('zones'),
    table('categories'),
    table('hours'),
  ]);
  const byDay = new Map(rows(adoptionDays).map((r) => [String(r.day), r]));
  const now: StatsRow = byDay.get(today) ?? {};
  const group = (data: StatsAnswer, key: string) =>
    rows(data).map((r) => ({ label: labelOf(key, String(r[key])), value: num(r.paymentCount) ?? 0 }));
  return {
    from: days[0]!,
    to: today,
    activeStalls: num(now.active),
    registeredStalls: num(now.registered),
    adoptedStalls: num(now.activeWithPayment7d),
    adoptionRate: num(now.adoptionRate),
    paymentsToday: num(now.paymentCount),
    amountToday: num(now.paymentValue),
    adoption: days
      .map((day) => ({ day, rate: num((byDay.get(day) ?? {}).adoptionRate) }))
      .filter((p) => p.rate !== null)
      .map((p) => ({ label: formatDayShort(p.day), value: p.rate! })),
    daily: rows(payments).map((d) => ({ label: formatDayShort(String(d.day)), value: num(d.paymentCount) ?? 0 })),
    zones: group(zones, 'zone'),
    categories: group(categories, 'category'),
    hours: rows(hours).map((r) => num(r.paymentCount) ?? 0),
  };
}

export async function dashboard(marketId: string): Promise<Node[]> {
  const d = await loadDashboard(marketId);
  const dash = (v: number | null, f: (n: number) => string) => (v === null ? '—' : f(v));
  const pct = (v: number) => formatPercent(v, lang());
  const kpi = (key: MessageKey, value: string, sub: string | null, id: string) =>
    h(
      'div',
      { class: 'kpi', 'data-kpi': id },
      h('div', { class: 'kpi-label' }, t(key)),
      h('div', { class: 'kpi-value' }, value),
      sub ? h('div', { class: 'kpi-sub muted', 'data-testid': `kpi-${id}-sub` }, sub) : null,
    );
  const chart = (key: MessageKey, content: Node, note?: string) =>
    h(
      'section',
      { class: 'card chart-card' },
      h('h2', {}, t(key)),
      content,
      note ? h('p', { class: 'muted small' }, note) : null,
    );
  // The downloads cover the period the charts show.
  const csv = (table: MarketStatsTable) =>
    withToken(insightsLinks.statsCsv(marketId, table, { from: d.from, to: d.to }));
  const download = (href: string, key: MessageKey, testid?: string) =>
    h('a', { class: 'btn block', href, download: true, ...(testid ? { 'data-testid': testid } : {}) }, t(key));
  // One definition for the count and the rate: active stalls paid by QR in 7 days, over the active stalls.
  const adoption =
    d.adoptedStalls !== null && d.activeStalls !== null
      ? t('dash.adoption.definition', { used: formatCount(d.adoptedStalls), active: formatCount(d.activeStalls) })
      : null;
  return [
    h(
      'div',
      { class: 'kpis', 'data-testid': 'kpis' },
      kpi('dash.adoption', dash(d.adoptionRate, pct), adoption, 'adoption'),
      kpi(
        'dash.activeStalls',
        dash(d.activeStalls, formatCount),
        d.registeredStalls !== null ? t('dash.activeStalls.of', { n: formatCount(d.registeredStalls) }) : null,
        'active',
      ),
      kpi('dash.paymentsToday', dash(d.paymentsToday, formatCount), null, 'payments'),
      kpi('dash.amountToday', dash(d.amountToday, formatVnd), null, 'amount'),
    ),
    monthlyReport(marketId),
    h(
      'p',
      { class: 'muted small', 'data-testid': 'dash-updated' },
      t('dash.updated', { time: formatTime(new Date()) }),
    ),
    h(
      'div',
      { class: 'charts', 'data-testid': 'charts' },
      chart(
        'dash.chart.adoption',
        d.adoption.length
          ? lineChart(d.adoption, { label: t('dash.chart.adoption'), format: pct, max: rateScale(d.adoption) })
          : emptyChart(t('dash.chart.empty')),
        t('dash.chart.adoption.note'),
      ),
      chart(
        'dash.chart.daily',
        d.daily.some((p) => p.value > 0)
          ? barChart(d.daily, { label: t('dash.chart.daily'), format: formatCount })
          : emptyChart(t('dash.chart.empty')),
      ),
      chart(
        'dash.chart.zones',
        d.zones.length
          ? hbarChart(d.zones, { label: t('dash.chart.zones'), format: formatCount })
          : emptyChart(t('dash.chart.empty')),
      ),
      chart(
        'dash.chart.categories',
        d.categories.length
          ? hbarChart(d.categories, { label: t('dash.chart.categories'), format: formatCount })
          : emptyChart(t('dash.chart.empty')),
      ),
      chart(
        'dash.chart.hours',
        d.hours.some((v) => v > 0)
          ? hoursChart(d.hours, { label: t('dash.chart.hours'), format: formatCount })
          : emptyChart(t('dash.chart.empty')),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('dash.csv')),
        h('p', { class: 'muted small' }, t('dash.csv.period', { from: formatDate(d.from), to: formatDate(d.to) })),
        h(
          'div',
          { class: 'stack' },
          download(csv('payments'), 'dash.csv.daily', 'csv-daily'),
          download(csv('stalls'), 'dash.csv.stalls', 'csv-stalls'),
          download(csv('zones'), 'dash.chart.zones', 'csv-zones'),
          download(csv('categories'), 'dash.chart.categories', 'csv-categories'),
          download(withToken(paths.reconciliationCsv(marketId, d.to)), 'dash.csv.reconciliation', 'csv-reconciliation'),
        ),
      ),
    ),
  ];
}

/** The month before today's in Vietnam (`YYYY-MM`): the report a board prints at the start of a month. */
export function lastMonth(today: string = businessDay()): string {
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCDate(0);
  return d.toISOString().slice(0, 7);
}

/**
 * "Báo cáo tháng": a month (last month by default) and two plain links, the PDF opened in a new tab to print and the
 * CSV downloaded; the token rides in the link (the proxy makes it a bearer header), as for the other downloads.
 */
function monthlyReport(marketId: string): HTMLElement {
  const thisMonth = businessDay().slice(0, 7);
  const month = h('input', {
    type: 'month',
    id: 'report-month',
    value: lastMonth(),
    max: thisMonth,
    // Browsers without a month picker show a text box: say the format.
    placeholder: 'YYYY-MM',
    required: true,
  });
  const pdf = h(
    'a',
    { class: 'btn primary', target: '_blank', rel: 'noopener', 'data-testid': 'report-pdf' },
    t('report.pdf'),
  );
  const csv = h('a', { class: 'btn', download: true, 'data-testid': 'report-csv' }, t('report.csv'));
  const update = () => {
    // A month typed by hand that is not YYYY-MM, or in the future, keeps the links on last month.
    const m = /^\d{4}-(0[1-9]|1[0-2])$/.test(month.value) && month.value <= thisMonth ? month.value : lastMonth();
    pdf.setAttribute('href', withToken(insightsLinks.monthlyReport(marketId, m, 'pdf')));
    csv.setAttribute('href', withToken(insightsLinks.monthlyReport(marketId, m, 'csv')));
  };
  month.addEventListener('change', update);
  month.addEventListener('input', update);
  update();
  return h(
    'section',
    { class: 'card', 'data-testid': 'monthly-report' },
    h('h2', {}, t('report.title')),
    h('p', { class: 'muted' }, t('report.hint')),
    h('label', { for: 'report-month' }, t('report.month')),
    month,
    h('div', { class: 'row wrap' }, pdf, csv),
  );
}

/** The top of the adoption axis: the next 10 % above the highest value, so a young market's line is not flat. */
function rateScale(points: Point[]): number {
  const top = Math.max(...points.map((p) => p.value));
  return Math.min(1, Math.max(0.1, Math.ceil((top * 1.2) / 0.1) * 0.1));
}
