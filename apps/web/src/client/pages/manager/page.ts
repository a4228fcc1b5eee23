import type { MarketView } from '@marketqr/contracts/dist/http/merchant-onboarding';
import { onboardingApi } from '../../api';
import { fill, h } from '../../dom';
import { t } from '../../i18n';
import { header, section, tabs } from '../../layout';
import { loadSession } from '../../session';
import { alerts } from './alerts';
import { approvals } from './approvals';
import { dashboard } from './dashboard';
import { settlement } from './settlement';
import { suspense } from './suspense';

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
  let market: MarketView | null = null;
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
    const name = market ? market.name : (marketId ?? '');
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
      const list = (await onboardingApi.listMarkets({}).catch(() => ({ items: [] }))).items;
      marketId = list[0]?.id ?? null;
    }
    if (marketId) market = (await onboardingApi.getMarket({ params: { marketId } }).catch(() => null))?.market ?? null;
    render();
  })();
}
