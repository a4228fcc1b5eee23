import { get, itemsOf, paths, post, withToken, type Json } from '../api';
import { barChart, emptyChart, hbarChart, hoursChart, lineChart, type Point } from '../charts';
import { fill, h } from '../dom';
import {
  businessDay,
  formatCount,
  formatDate,
  formatDateTime,
  formatDayShort,
  formatPercent,
  formatTime,
  formatVnd,
} from '../format';
import { lang, t, type MessageKey } from '../i18n';
import { errorMessage, header, section, tabs, toast } from '../layout';
import { loadSession } from '../session';
import { statusPill } from './vendor';
import { categoryName, labelOf } from '../labels';
import { suggestStall } from '../stall-hint';

type Tab = 'dashboard' | 'approvals' | 'alerts' | 'suspense' | 'settlement';

/** Where a path under /manager lands: alert links from market-insights point at these. */
export function routeOf(pathname: string): { tab: Tab; focus: string | null } {
  const parts = pathname
    .replace(/^\/manager\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  switch (parts[0]) {
    case 'approvals':
    case 'stalls':
      return { tab: 'approvals', focus: parts[1] ?? null };
    case 'alerts':
      return { tab: 'alerts', focus: parts[1] ?? null };
    case 'suspense':
      return { tab: 'suspense', focus: parts[1] ?? null };
    case 'settlement':
    case 'settlement-lines':
      return { tab: 'settlement', focus: parts[1] ?? null };
    default:
      return { tab: 'dashboard', focus: null };
  }
}

/** The dashboard asks market-insights again this often while it is on screen. */
export const DASHBOARD_REFRESH_MS = 60_000;

const TAB_PATH: Record<Tab, string> = {
  dashboard: '/manager',
  approvals: '/manager/approvals',
  alerts: '/manager/alerts',
  suspense: '/manager/suspense',
  settlement: '/manager/settlement',
};

/**
 * Market management: the dashboard (adoption, payments per day, zones, categories, busiest hours from market-insights),
 * the stalls waiting for approval, alerts, misdirected payments to reallocate, payout batches and reconciliation.
 */
export function managerPage(root: HTMLElement): void {
  const session = loadSession();
  if (!session || (session.user.role !== 'market_manager' && session.user.role !== 'admin')) {
    location.replace(`/login?role=manager&next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  let { tab, focus } = routeOf(location.pathname);
  let marketId: string | null = session.user.marketId ?? new URLSearchParams(location.search).get('market');
  let market: Json | null = null;
  const body = h('div', { class: 'tab-body' });

  // The dashboard's figures follow the market while the tab is on screen: one refresh a minute, none while another tab
  // is shown or the page is hidden (a phone in a pocket asks nothing), one at once when it is shown again.
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const stopRefresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
  };
  const scheduleRefresh = () => {
    stopRefresh();
    if (tab === 'dashboard' && marketId && !document.hidden) refreshTimer = setTimeout(refresh, DASHBOARD_REFRESH_MS);
  };
  const refresh = () => {
    stopRefresh();
    if (tab !== 'dashboard' || !marketId) return;
    const id = marketId;
    // The figures on screen stay until the new ones are in; an answer that comes after the manager left is dropped.
    void section(body, () => dashboard(id), { refresh: true }).finally(scheduleRefresh);
  };
  document.addEventListener('visibilitychange', () => (document.hidden ? stopRefresh() : refresh()));

  const render = () => {
    stopRefresh();
    const name = market ? String(market.name) : (marketId ?? '');
    document.title = `${t('manager.title', { market: name })} · ${t('app.name')}`;
    fill(
      root,
      header(t('manager.title', { market: name }), render),
      tabs<Tab>(
        [
          { id: 'dashboard', label: t('manager.tab.dashboard') },
          { id: 'approvals', label: t('manager.tab.approvals') },
          { id: 'alerts', label: t('manager.tab.alerts') },
          { id: 'suspense', label: t('manager.tab.suspense') },
          { id: 'settlement', label: t('manager.tab.settlement') },
        ],
        tab,
        (id) => {
          tab = id;
          focus = null;
          history.pushState(null, '', TAB_PATH[id] + location.search);
          render();
        },
        'tabs top',
      ),
      // The dashboard uses a laptop's width (charts side by side); the lists of the other tabs stay readable widths.
      h('main', { class: `page manager${tab === 'dashboard' ? ' wide' : ''}` }, body),
    );
    if (!marketId) return void fill(body, h('p', { class: 'muted' }, t('common.loading')));
    const id = marketId;
    switch (tab) {
      case 'dashboard':
        return void section(body, () => dashboard(id)).finally(scheduleRefresh);
      case 'approvals':
        return void section(body, () => approvals(id, focus, render));
      case 'alerts':
        return void section(body, () => alerts(id, focus, render));
      case 'suspense':
        return void section(body, () => suspense(id, focus, render));
      case 'settlement':
        return void section(body, () => settlement(id, focus, render));
    }
  };

  window.addEventListener('popstate', () => {
    ({ tab, focus } = routeOf(location.pathname));
    render();
  });

  render();
  void (async () => {
    if (!marketId) {
      // An admin has no market of their own: the first one (or ?market=).
      const list = itemsOf(await get(paths.markets).catch(() => ({ items: [] })));
      marketId = list[0] ? String(list[0].id ?? list[0]._id) : null;
    }
    if (marketId) market = ((await get(paths.market(marketId)).catch(() => null))?.market as Json | undefined) ?? null;
    render();
  })();
}

// ---------------------------------------------------------------- dashboard

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
  const range = `from=${days[0]}&to=${today}`;
  const rows = (data: Json) => itemsOf(data, 'rows');
  const [adoptionDays, payments, zones, categories, hours] = await Promise.all([
    // Adoption as of each day of the chart (each looks back 30 days), today's last: one request for the series.
    get(paths.stats(marketId, 'adoption-days', range)),
    get(paths.stats(marketId, 'payments', range)),
    get(paths.stats(marketId, 'zones', range)),
    get(paths.stats(marketId, 'categories', range)),
    get(paths.stats(marketId, 'hours', range)),
  ]);
  const byDay = new Map(rows(adoptionDays).map((r) => [String(r.day), r]));
  const now = (byDay.get(today) ?? {}) as Json;
  const group = (data: Json, key: string) =>
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

async function dashboard(marketId: string): Promise<Node[]> {
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
  const csv = (table: string) => withToken(paths.stats(marketId, table, `from=${d.from}&to=${d.to}&format=csv`));
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
          download(
            withToken(paths.reconciliation(marketId, d.to, 'csv')),
            'dash.csv.reconciliation',
            'csv-reconciliation',
          ),
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
    pdf.setAttribute('href', withToken(paths.monthlyReport(marketId, m, 'pdf')));
    csv.setAttribute('href', withToken(paths.monthlyReport(marketId, m, 'csv')));
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

// ---------------------------------------------------------------- approvals

async function approvals(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const [verified, pending, mismatch, banks] = await Promise.all([
    get(paths.marketStalls(marketId, 'status=verified&pageSize=100')),
    get(paths.marketStalls(marketId, 'status=pending_verification&pageSize=100')),
    get(paths.marketStalls(marketId, 'verification=name_mismatch&pageSize=100')),
    get(paths.banks).catch(() => null),
  ]);
  const bankNames = new Map(itemsOf(banks).map((b) => [String(b.bin), String(b.shortName)]));
  const seen = new Set<string>();
  const stalls = [...itemsOf(mismatch), ...itemsOf(verified), ...itemsOf(pending)].filter((s) => {
    const id = String(s.id);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (focus && !seen.has(focus)) {
    const one = await get(paths.stall(focus)).catch(() => null);
    if (one?.stall) stalls.unshift(one.stall as Json);
  }
  if (!stalls.length) return [h('p', { class: 'muted card' }, t('approvals.empty'))];
  const act = async (fn: () => Promise<Json>, code: string) => {
    try {
      await fn();
      toast(t('approvals.done', { code }));
      rerender();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  const askNote = (): string | null => {
    const note = window.prompt(t('approvals.note.prompt'), '');
    return note && note.trim().length >= 3 ? note.trim() : null;
  };
  return [
    h(
      'ul',
      { class: 'cards', 'data-testid': 'approval-queue' },
      stalls.map((s) => {
        const v = (s.verification ?? {}) as Json;
        const code = String(s.stallCode);
        const state = String(v.state ?? '');
        const vendor = (s.vendor ?? {}) as Json;
        const account = (s.payoutAccount ?? {}) as Json;
        return h(
          'li',
          {
            class: `card stall${focus === s.id ? ' focus' : ''}${state === 'name_mismatch' ? ' warn' : ''}`,
            'data-stall-id': String(s.id),
          },
          h(
            'div',
            { class: 'stall-head' },
            h('strong', { class: 'big' }, `${code} · ${vendor.fullName ?? ''}`),
            statusPill(String(s.status)),
          ),
          h(
            'div',
            { class: 'muted' },
            `${labelOf('zone', String(s.zone))} · ${categoryName(String(s.category))} · ${vendor.phone ?? ''}`,
          ),
          h('div', {}, t(`verification.${state}` as MessageKey)),
          state === 'name_mismatch'
            ? h(
                'div',
                { class: 'notice warn' },
                h('div', {}, t('approvals.typed', { name: String(vendor.fullName ?? '') })),
                h('div', {}, t('approvals.bank', { name: String(v.bankHolderName ?? '—') })),
              )
            : null,
          h(
            'div',
            { class: 'muted' },
            t('approvals.account', {
              bank: bankNames.get(String(account.bin)) ?? String(account.bin ?? ''),
              account: String(account.accountNumber ?? ''),
            }),
          ),
          h(
            'div',
            { class: 'row wrap' },
            s.status === 'verified'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn primary',
                    'data-action': 'approve',
                    onclick: () => void act(() => post(paths.approve(String(s.id))), code),
                  },
                  t('approvals.approve'),
                )
              : null,
            state === 'name_mismatch'
              ? [
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn primary',
                      'data-action': 'accept',
                      onclick: () => {
                        const note = askNote();
                        if (note) void act(() => post(paths.review(String(s.id)), { decision: 'accept', note }), code);
                      },
                    },
                    t('approvals.accept'),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn danger',
                      'data-action': 'reject',
                      onclick: () => {
                        const note = askNote();
                        if (note) void act(() => post(paths.review(String(s.id)), { decision: 'reject', note }), code);
                      },
                    },
                    t('approvals.reject'),
                  ),
                ]
              : null,
            state === 'pending'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn',
                    onclick: () => void act(() => post(paths.retryVerification(String(s.id))), code),
                  },
                  t('approvals.retry'),
                )
              : null,
          ),
        );
      }),
    ),
  ];
}

// ---------------------------------------------------------------- alerts

/** market-insights links alerts to `/manager/...` paths: followed inside this page. */
async function alerts(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const list = itemsOf(await get(paths.alerts(marketId, 'status=unresolved&pageSize=50')));
  const csv = h(
    'a',
    { class: 'btn block', href: withToken(paths.alerts(marketId, 'format=csv')), download: true },
    t('dash.csv'),
  );
  if (!list.length) return [h('p', { class: 'muted card' }, t('alerts.empty')), csv];
  const ack = (id: string) =>
    post(paths.acknowledge(id))
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
            h('time', { class: 'muted' }, formatDateTime(String(a.raisedAt))),
          ),
          h('strong', {}, String(a.title ?? a.kind)),
          a.stallCode
            ? h(
                'div',
                { class: 'muted' },
                `${t('common.stall', { code: String(a.stallCode) })}${a.zone ? ` · ${labelOf('zone', String(a.zone))}` : ''}`,
              )
            : null,
          alertFacts(a),
          a.status === 'acknowledged' ? h('div', { class: 'muted' }, t('alerts.acknowledged')) : null,
          h(
            'div',
            { class: 'row wrap' },
            // An alert that links to itself is already open here when focused.
            a.link && !(focus === a.id && String(a.link).startsWith('/manager/alerts/'))
              ? h('a', { class: 'btn primary', href: String(a.link) }, actionLabel(String(a.kind)))
              : null,
            a.status === 'open'
              ? h(
                  'button',
                  { type: 'button', class: 'btn', onclick: () => void ack(String(a.id)) },
                  t('alerts.acknowledge'),
                )
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
function alertFacts(a: Json): HTMLElement | null {
  const d = (a.details ?? {}) as Json;
  const times = Array.isArray(a.occurredAt) ? (a.occurredAt as string[]) : [];
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
              n: Number(a.occurrences ?? times.length),
            }),
          ),
          h('dd', {}, times.slice(-10).map(formatDateTime).join(', ')),
        ]
      : [],
  );
}

// ---------------------------------------------------------------- suspense and reallocation

/** A payment the ledger holds on the market (no stall matched): `unmatched`, and not moved or reversed since. */
async function heldPayments(marketId: string): Promise<Json[]> {
  // In suspense: payments that matched no stall, and those held for review (an amount or time the bank would not send).
  const lists = await Promise.all(['unmatched', 'held_for_review'].map((o) => get(paths.marketPayments(marketId, o))));
  // Newest first, whichever list a payment came from.
  const paidAt = (e: Json) => Date.parse(String((e.meta as Json | undefined)?.paidAt ?? e.postedAt ?? '')) || 0;
  const entries = lists.flatMap((l) => itemsOf(l)).sort((a, b) => paidAt(b) - paidAt(a));
  const views = await Promise.all(entries.map((e) => get(paths.payment(String(e.paymentId))).catch(() => null)));
  return entries.flatMap((e, i) => {
    const v = views[i];
    if (v && (v.reversed || v.holderMerchantId)) return [];
    const meta = (e.meta ?? {}) as Json;
    const amount = Math.max(0, ...((e.postings ?? []) as Json[]).map((p) => Number(p.amount)));
    return [
      {
        paymentId: e.paymentId,
        amount,
        description: meta.description ?? e.description,
        payerName: meta.payerName,
        paidAt: meta.paidAt ?? e.postedAt,
        reason: meta.outcome,
      },
    ];
  });
}

async function suspense(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const [items, active] = await Promise.all([
    heldPayments(marketId),
    get(paths.marketStalls(marketId, 'status=active&pageSize=100')),
  ]);
  const stalls = itemsOf(active);
  const intro = h('p', { class: 'muted' }, t('suspense.hint'));
  if (!items.length) return [intro, h('p', { class: 'muted card' }, t('suspense.empty'))];
  return [
    intro,
    h(
      'ul',
      { class: 'cards', 'data-testid': 'suspense' },
      items.map((p) => {
        const id = String(p.paymentId ?? p.id);
        const suggested = suggestStall(
          String(p.description ?? ''),
          stalls.map((s) => String(s.stallCode)),
        );
        const form = h(
          'form',
          { class: 'form' },
          h('label', { for: `to-${id}` }, t('suspense.to')),
          h(
            'select',
            { id: `to-${id}`, name: 'to', required: true },
            h('option', { value: '' }, '—'),
            stalls.map((s) =>
              h(
                'option',
                { value: String(s.id), selected: s.stallCode === suggested },
                `${s.stallCode} · ${(s.vendor as Json)?.fullName ?? ''}`,
              ),
            ),
          ),
          suggested
            ? h('div', { class: 'muted', 'data-testid': 'suggested' }, t('suspense.suggested', { code: suggested }))
            : null,
          h('label', { for: `reason-${id}` }, t('suspense.reason')),
          // Empty: the audit log must record the check the manager actually made, not a sentence nobody typed.
          h('input', {
            id: `reason-${id}`,
            name: 'reason',
            placeholder: t('suspense.reason.placeholder'),
            minlength: 3,
            required: true,
          }),
          h('button', { type: 'submit', class: 'btn primary' }, t('suspense.submit')),
        );
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const data = new FormData(form);
          const to = String(data.get('to') ?? '');
          if (!to) return;
          const stall = stalls.find((s) => s.id === to);
          // Money moves for good: say what and where before doing it.
          const question = t('suspense.confirm', {
            amount: formatVnd(Number(p.amount)),
            code: String(stall?.stallCode ?? to),
          });
          if (!window.confirm(question)) return;
          post(paths.reallocate(id), { toMerchantId: to, reason: String(data.get('reason') ?? '') })
            .then(() => {
              toast(t('suspense.done', { amount: formatVnd(Number(p.amount)), code: String(stall?.stallCode ?? to) }));
              rerender();
            })
            .catch((e: unknown) => toast(errorMessage(e), 'error'));
        });
        return h(
          'li',
          { class: `card${focus === id ? ' focus' : ''}`, 'data-payment-id': id },
          h(
            'div',
            { class: 'row spread' },
            h('strong', { class: 'big' }, formatVnd(Number(p.amount))),
            h('time', { class: 'muted' }, formatDateTime(String(p.paidAt ?? p.bookedAt ?? ''))),
          ),
          p.description ? h('div', {}, `“${p.description}”`) : null,
          p.payerName ? h('div', { class: 'muted' }, String(p.payerName)) : null,
          p.reason
            ? h('div', { class: 'muted' }, t('suspense.reason.label', { reason: outcomeText(String(p.reason)) }))
            : null,
          form,
        );
      }),
    ),
  ];
}

// ---------------------------------------------------------------- settlement

/** The day the reconciliation card shows: today (the demo's day) until the manager picks another. */
let reconDay: string | null = null;

async function settlement(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const day = (reconDay ??= businessDay());
  const dayInput = h('input', { type: 'date', id: 'recon-day', value: day, max: businessDay() });
  dayInput.addEventListener('change', () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dayInput.value)) {
      reconDay = dayInput.value;
      rerender();
    }
  });
  const [batches, attention, recon, focused] = await Promise.all([
    get(paths.batches(marketId)),
    get(paths.marketLines(marketId, 'needs_attention')),
    // A reconciliation that could not be made (the bank's statement unreadable) is itself something to handle.
    get(paths.reconciliation(marketId, day, 'json')).then(
      (r) => ({ report: (r.reconciliation ?? null) as Json | null, error: null }),
      (e: unknown) => ({ report: null, error: errorMessage(e) }),
    ),
    focus ? get(paths.line(focus)).catch(() => null) : Promise.resolve(null),
  ]);
  const lines = itemsOf(attention);
  const differences = reconDifferences(recon.report);
  if (focused?.line && !lines.some((l) => l.id === focus)) lines.unshift(focused.line as Json);
  const retry = (id: string) =>
    post(paths.retryLine(id))
      .then(rerender)
      .catch((e: unknown) => toast(errorMessage(e), 'error'));
  return [
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.attention')),
      lines.length
        ? h(
            'ul',
            { class: 'plain', 'data-testid': 'attention-lines' },
            lines.map((l) => {
              const payout = (l.payout ?? {}) as Json;
              return h(
                'li',
                { class: `line${focus === l.id ? ' focus' : ''}`, 'data-line-id': String(l.id) },
                h(
                  'div',
                  { class: 'row spread' },
                  h('strong', {}, `${l.stallCode ?? ''} · ${l.vendorName ?? ''}`),
                  statusPill(String(l.state)),
                ),
                h(
                  'div',
                  { class: 'row spread' },
                  h('span', { class: 'muted' }, formatDate(String(l.businessDay))),
                  h('strong', {}, formatVnd(Number(l.netAmount ?? 0))),
                ),
                payout.lastError ? h('div', { class: 'muted' }, String(payout.lastError)) : null,
                l.state === 'needs_attention'
                  ? h(
                      'button',
                      { type: 'button', class: 'btn', onclick: () => void retry(String(l.id)) },
                      t('settle.retry'),
                    )
                  : null,
              );
            }),
          )
        : null,
      recon.error
        ? h(
            'div',
            { class: 'notice error', 'data-testid': 'recon-unavailable' },
            t('recon.attention.unavailable', { day: formatDate(day), reason: recon.error }),
          )
        : null,
      differences.length ? reconAttention(recon.report!, differences, marketId, day) : null,
      !lines.length && !recon.error && !differences.length
        ? h('p', { class: 'muted' }, t('settle.attention.empty', { day: formatDate(day) }))
        : null,
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.batches')),
      itemsOf(batches).length
        ? h(
            'ul',
            { class: 'plain', 'data-testid': 'batches' },
            itemsOf(batches).map((b) =>
              h(
                'li',
                { class: 'batch' },
                h(
                  'div',
                  { class: 'row spread' },
                  h('strong', {}, formatDate(String(b.businessDay))),
                  statusPill(String(b.state)),
                ),
                h(
                  'div',
                  { class: 'row spread muted' },
                  h('span', {}, t('settle.lines', { n: Number(b.lineCount ?? 0) })),
                  h('strong', {}, formatVnd(Number(b.totalNetAmount ?? 0))),
                ),
                b.linesByState
                  ? h(
                      'div',
                      { class: 'row wrap' },
                      Object.entries(b.linesByState as Record<string, number>).map(([state, n]) =>
                        h('span', { class: `pill status-${state}` }, `${statusText(state)}: ${n}`),
                      ),
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('settle.batches.empty')),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.reconciliation')),
      h('label', { for: 'recon-day' }, t('settle.reconciliation.day')),
      dayInput,
      recon.report ? reconciliationSummary(recon.report) : h('p', { class: 'muted' }, t('common.none')),
      h(
        'a',
        {
          class: 'btn block',
          href: withToken(paths.reconciliation(marketId, day, 'csv')),
          download: true,
          'data-testid': 'recon-csv',
        },
        t('recon.csv'),
      ),
    ),
  ];
}

function outcomeText(outcome: string): string {
  const key = `outcome.${outcome}` as MessageKey;
  const text = t(key);
  return text === key ? outcome : text;
}

function statusText(state: string): string {
  const key = `status.${state}` as MessageKey;
  const text = t(key);
  return text === key ? state : text;
}

function reconciliationSummary(r: Json): HTMLElement {
  const sum = (r.summary ?? {}) as Json;
  const pair = (v: unknown) => {
    const o = (v ?? {}) as Json;
    return `${formatVnd(Number(o.ours ?? 0))} / ${formatVnd(Number(o.bank ?? 0))}`;
  };
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'reconciliation' },
    h('dt', {}, t('recon.matched')),
    h('dd', {}, formatCount(Number(sum.matched ?? 0))),
    h('dt', {}, t('recon.missing_ours')),
    h('dd', {}, formatCount(Number(sum.missing_ours ?? 0))),
    h('dt', {}, t('recon.missing_at_bank')),
    h('dd', {}, formatCount(Number(sum.missing_at_bank ?? 0))),
    h('dt', {}, t('recon.amount_differs')),
    h('dd', {}, formatCount(Number(sum.amount_differs ?? 0))),
    h('dt', {}, t('recon.credits')),
    h('dd', {}, pair(sum.credits)),
    h('dt', {}, t('recon.payouts')),
    h('dd', {}, pair(sum.payouts)),
  );
}

// ---------------------------------------------------------------- reconciliation differences

type ReconItem = {
  category: 'missing_ours' | 'missing_at_bank' | 'amount_differs';
  kind: 'credit' | 'payout';
  ourAmount: number | null;
  bankAmount: number | null;
  [key: string]: unknown;
};

/** How much one difference is off, in đồng: the whole amount when one side has none. */
const gapOf = (i: ReconItem) => Math.abs((i.bankAmount ?? 0) - (i.ourAmount ?? 0));

/** The items of a reconciliation that do not match, largest gap first. */
export function reconDifferences(report: Json | null): ReconItem[] {
  const items = Array.isArray(report?.items) ? (report!.items as ReconItem[]) : [];
  return items.filter((i) => i.category !== ('matched' as string)).sort((a, b) => gapOf(b) - gapOf(a));
}

/** What one difference means, in a sentence a market manager reads without the CSV. */
export function reconProblem(i: ReconItem): string {
  const stall = i.stallCode
    ? t('recon.stall', { code: String(i.stallCode), name: String(i.vendorName ?? '') })
    : t('recon.stall.unknown');
  return t(`recon.item.${i.kind}.${i.category}` as MessageKey, {
    amount: formatVnd(Number(i.bankAmount ?? i.ourAmount ?? 0)),
    ours: formatVnd(Number(i.ourAmount ?? 0)),
    bank: formatVnd(Number(i.bankAmount ?? 0)),
    stall,
  });
}

/** Shown before the rest is folded away: a long list of differences would push everything else off the screen. */
const RECON_SHOWN = 10;

/**
 * The reconciliation's differences as things to handle: the day's totals as the bank and we see them, then each
 * difference said in words with what to do about it, its details (time, transaction, account, description) and, for a
 * payout, the settlement line it belongs to.
 */
function reconAttention(report: Json, items: ReconItem[], marketId: string, day: string): HTMLElement {
  const sum = (report.summary ?? {}) as Json;
  const total = (key: 'credits' | 'payouts') => {
    const o = (sum[key] ?? {}) as Json;
    const ours = Number(o.ours ?? 0);
    const bank = Number(o.bank ?? 0);
    return ours === bank
      ? null
      : h(
          'div',
          { class: 'muted' },
          t(`recon.attention.${key}`, {
            bank: formatVnd(bank),
            ours: formatVnd(ours),
            gap: formatVnd(Math.abs(bank - ours)),
          }),
        );
  };
  const item = (i: ReconItem) => {
    const fact = (key: MessageKey, value: unknown) =>
      value === null || value === undefined || value === '' ? [] : [h('dt', {}, t(key)), h('dd', {}, String(value))];
    return h(
      'li',
      { class: 'line recon-diff', 'data-recon-category': i.category, 'data-recon-kind': i.kind },
      h('strong', {}, reconProblem(i)),
      h('div', { class: 'muted' }, t(`recon.advice.${i.kind}.${i.category}` as MessageKey)),
      h(
        'div',
        { class: 'row wrap' },
        i.kind === 'credit' && i.category === 'missing_ours'
          ? h('a', { class: 'btn', href: '/manager/suspense' }, t('manager.tab.suspense'))
          : null,
        i.settlementLineId
          ? h(
              'a',
              { class: 'btn', href: `/manager/settlement-lines/${encodeURIComponent(String(i.settlementLineId))}` },
              t('recon.line'),
            )
          : null,
      ),
      h(
        'details',
        {},
        h('summary', {}, t('recon.details')),
        h(
          'dl',
          { class: 'facts' },
          fact('recon.fact.time', i.at ? formatDateTime(String(i.at)) : null),
          fact('recon.fact.transaction', i.bankTransactionId),
          fact('recon.fact.payout', i.payoutId),
          fact('recon.fact.account', i.account),
          fact('recon.fact.payment', i.paymentId),
          fact('recon.fact.description', i.description),
        ),
      ),
    );
  };
  const rest = items.slice(RECON_SHOWN);
  return h(
    'div',
    { class: 'recon-attention', 'data-testid': 'recon-attention' },
    h('h3', {}, t('recon.attention.title', { day: formatDate(day), n: formatCount(items.length) })),
    total('credits'),
    total('payouts'),
    h('ul', { class: 'plain' }, items.slice(0, RECON_SHOWN).map(item)),
    rest.length
      ? h(
          'details',
          {},
          h('summary', {}, t('recon.more', { n: formatCount(rest.length) })),
          h('ul', { class: 'plain' }, rest.map(item)),
        )
      : null,
    // The CSV of these differences is the reconciliation card's download, just below: one button, not two.
  );
}
