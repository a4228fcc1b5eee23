/**
 * The live payments: the ledger's event stream (PaymentFeed: reconnects, replays from the last id, dedupes), today's
 * payments and total read from the ledger at every (re)connection, each new payment announced aloud and felt, and the
 * feed tab that lists them.
 */
import { ledgerApi, paths, withToken } from '../../api';
import { buzz, BUZZ_CHECK, BUZZ_PAID } from '../../device';
import { fill, h } from '../../dom';
import { PaymentFeed, paymentFromEvent, type FeedPayment } from '../../feed';
import { businessDay, formatTime, formatVnd } from '../../format';
import { t } from '../../i18n';
import { say, setSpeechEnabled, speechAvailable, speechEnabled } from '../../speech';
import { announcementFor, discrepancyOf, paymentAnnouncement } from '../../words';
import { settleOpenQr } from './sell';
import type { VendorState } from './state';
import { discrepancyText, renderTotal } from './today';

function paymentRow(p: FeedPayment): HTMLElement {
  return h(
    'li',
    { class: `payment${p.outcome !== 'paid' ? ' flagged' : ''}`, 'data-payment-id': p.id },
    h('div', { class: 'payment-amount' }, formatVnd(p.amount)),
    h(
      'div',
      { class: 'payment-meta' },
      h('time', { datetime: p.paidAt }, formatTime(p.paidAt)),
      p.payerName ? h('span', {}, t('vendor.feed.from', { name: p.payerName })) : null,
      p.outcome !== 'paid' ? h('span', { class: 'pill warn' }, discrepancyText(p) ?? t('vendor.diff.check')) : null,
    ),
  );
}

/** The feed tab: speech on/off and a test phrase, then every payment, newest first. */
export function renderFeed(s: VendorState): void {
  const speakBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      'aria-pressed': speechEnabled() ? 'true' : 'false',
      onclick: () => {
        setSpeechEnabled(!speechEnabled());
        renderFeed(s);
      },
    },
    t(speechEnabled() ? 'vendor.speak.on' : 'vendor.speak.off'),
  );
  fill(
    s.body,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('vendor.feed.title')),
      speechAvailable()
        ? h(
            'div',
            { class: 'row' },
            speakBtn,
            h(
              'button',
              { type: 'button', class: 'btn', onclick: () => say(paymentAnnouncement(50_000)) },
              t('vendor.speak.test'),
            ),
          )
        : h('p', { class: 'muted' }, t('vendor.speak.unavailable')),
      s.payments.length
        ? h('ul', { class: 'payments', 'data-testid': 'payments' }, s.payments.map(paymentRow))
        : h('p', { class: 'muted', 'data-testid': 'payments-empty' }, t('vendor.feed.empty')),
    ),
  );
}

function addPayment(s: VendorState, p: FeedPayment, live: boolean): void {
  if (s.payments.some((x) => x.id === p.id)) return;
  s.payments.unshift(p);
  s.payments.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt));
  if (businessDay(new Date(p.paidAt)) === businessDay() && p.type !== 'payment.reversed') {
    s.todayTotal += p.amount;
    s.todayCount += 1;
  }
  if (live) s.recent.unshift(p);
  renderTotal(s);
  if (s.tab === 'feed') renderFeed(s);
  if (!live) return;
  say(announcementFor(p));
  // Felt in a pocket or over the noise of the market; a different buzz when the amount is not what was asked.
  buzz(discrepancyOf(p) ? BUZZ_CHECK : BUZZ_PAID);
  settleOpenQr(s, p);
}

/** The stall's payment stream (not started: `start()` it once the page is drawn). */
export function paymentStream(s: VendorState): PaymentFeed {
  const feed: PaymentFeed = new PaymentFeed({
    url: (lastEventId) => {
      const base = withToken(paths.paymentsStream(s.merchantId));
      return lastEventId ? `${base}&since=${encodeURIComponent(lastEventId)}` : base;
    },
    onPayment: (p) => addPayment(s, p, true),
    onStatus: (status) => {
      s.status = status;
      renderTotal(s);
      // Every (re)connection resynchronises the total and the list with the ledger.
      if (status === 'live') void loadToday(s, feed);
    },
  });
  return feed;
}

/** Today's payments and total: shown at once, and marked as seen so the stream does not announce them again. */
async function loadToday(s: VendorState, feed: PaymentFeed): Promise<void> {
  const [statement, total] = await Promise.all([
    ledgerApi.stallStatement({ params: { merchantId: s.merchantId }, query: { pageSize: 100 } }).catch(() => null),
    ledgerApi.paymentsToday({ params: { merchantId: s.merchantId } }).catch(() => null),
  ]);
  const today = businessDay();
  for (const line of statement?.items ?? []) {
    if (line.kind !== 'payment' || line.businessDay !== today) continue;
    const p = paymentFromEvent('payment', String(line.seq), line);
    if (!p || s.payments.some((x) => x.id === p.id)) continue;
    feed.markSeen([p.id]);
    s.payments.push(p);
  }
  s.payments.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt));
  if (total && Number.isSafeInteger(total.total)) {
    s.todayTotal = total.total;
    s.todayCount = total.count;
  } else {
    const todays = s.payments.filter((p) => businessDay(new Date(p.paidAt)) === today);
    s.todayTotal = todays.reduce((sum, p) => sum + p.amount, 0);
    s.todayCount = todays.length;
  }
  if (statement || total) s.loaded = true;
  renderTotal(s);
  if (s.tab === 'feed') renderFeed(s);
}
