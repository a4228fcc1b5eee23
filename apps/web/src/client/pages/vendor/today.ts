/** Today's total above every tab: the amount, the stream's state, the offline banner and the payments seen live. */
import { fill, h } from '../../dom';
import type { FeedPayment } from '../../feed';
import { formatTime, formatVnd } from '../../format';
import { t } from '../../i18n';
import { discrepancyOf } from '../../words';
import type { VendorState } from './state';

export function renderTotal(s: VendorState): void {
  const live = s.status === 'live' && s.loaded;
  // No network at all (the phone says so): say plainly what cannot work. A stream that was live and dropped: say the
  // money still arrives. The first connection shows "loading" instead.
  const noNetwork = navigator.onLine === false;
  s.offlineBanner.hidden = !noNetwork && s.status !== 'reconnecting';
  s.offlineBanner.textContent = t(noNetwork ? 'vendor.offline.network' : 'vendor.offline');
  fill(
    s.totalBox,
    h('div', { class: 'today-who' }, s.vendorName),
    h(
      'div',
      { class: 'today-label' },
      t('vendor.today'),
      ' ',
      h('span', { class: `dot ${live ? 'live' : s.status === 'reconnecting' ? 'reconnecting' : 'connecting'}` }),
    ),
    s.loaded
      ? h('div', { class: 'today-amount', 'data-testid': 'today-amount' }, formatVnd(s.todayTotal))
      : h(
          'div',
          { class: 'today-amount loading', 'data-testid': 'today-amount', 'aria-busy': 'true' },
          t('vendor.today.loading'),
        ),
    h(
      'div',
      { class: 'muted', 'data-testid': 'today-status' },
      s.loaded ? `${t('vendor.today.count', { n: s.todayCount })} · ` : '',
      statusText(s),
    ),
    s.recent.length
      ? h(
          'ul',
          { class: 'recent', 'data-testid': 'recent', 'aria-label': t('vendor.recent') },
          s.recent.slice(0, 5).map((p) => recentRow(p)),
        )
      : null,
  );
}

/** One line of the live list: the amount, the time, and in red what differs from what was asked. */
function recentRow(p: FeedPayment): HTMLElement {
  const warning = discrepancyText(p);
  return h(
    'li',
    { class: warning ? 'warn' : '', 'data-payment-id': p.id },
    h('strong', {}, formatVnd(p.amount)),
    ' ',
    h('time', { datetime: p.paidAt }, formatTime(p.paidAt)),
    warning ? h('span', { class: 'diff' }, warning) : null,
  );
}

/** "Khách trả thiếu 199.800 ₫", "Khách có thể đã trả 2 lần"…; null for an ordinary payment. */
export function discrepancyText(p: FeedPayment): string | null {
  const d = discrepancyOf(p);
  if (!d) return null;
  return 'difference' in d ? t(`vendor.diff.${d.kind}`, { diff: formatVnd(d.difference) }) : t(`vendor.diff.${d.kind}`);
}

function statusText(s: VendorState): string {
  return t(
    s.status === 'live' && s.loaded
      ? 'vendor.feed.live'
      : s.status === 'reconnecting'
        ? 'vendor.feed.reconnecting'
        : 'vendor.feed.connecting',
  );
}
