import { ApiError, get, itemsOf, paths, post, withToken, type Json } from '../api';
import { buzz, BUZZ_CHECK, BUZZ_PAID, ScreenWake } from '../device';
import { fill, h } from '../dom';
import { PaymentFeed, paymentFromEvent, type FeedPayment, type FeedStatus } from '../feed';
import { businessDay, formatCountdown, formatDate, formatDateTime, formatTime, formatVnd } from '../format';
import { t, type MessageKey } from '../i18n';
import { errorMessage, header, section, tabs, toast } from '../layout';
import { loadSession } from '../session';
import { say, setSpeechEnabled, speechAvailable, speechEnabled } from '../speech';
import { announcementFor, discrepancyOf, paymentAnnouncement, vndToWords } from '../words';

type Tab = 'sell' | 'feed' | 'poster' | 'settle';

interface OpenQr {
  id: string;
  orderCode: string | null;
  amount: number;
  expiresAt: number;
  image: string;
  paid: FeedPayment | null;
}

const MAX_AMOUNT = 499_999_999;

/**
 * The vendor's phone: a keypad that makes a dynamic QR for an amount (shown full screen with a countdown), the live
 * feed of payments read aloud, today's total, the stall's poster to print, and the payout history.
 */
export function vendorPage(root: HTMLElement): void {
  const session = loadSession();
  if (!session || session.user.role !== 'vendor' || !session.user.merchantId) {
    location.replace(`/login?role=vendor&next=/vendor`);
    return;
  }
  const merchantId = session.user.merchantId;
  let tab: Tab = 'sell';
  let amount = 0;
  let stall: Json | null = null;
  let status: FeedStatus = 'connecting';
  let openQr: OpenQr | null = null;
  let countdown: ReturnType<typeof setInterval> | undefined;
  const payments: FeedPayment[] = [];
  /** Payments that arrived live while the page is open, newest first: one list instead of a pile of toasts. */
  const recent: FeedPayment[] = [];
  let todayTotal = 0;
  let todayCount = 0;
  // Until the ledger has answered, the total is unknown: "0 ₫ · live" before it would be a lie for a second or two.
  let loaded = false;
  // The screen stays on while a shopper may be scanning: a dynamic QR open, or the poster tab.
  const wake = new ScreenWake();
  const syncWake = () => wake.set(openQr !== null || tab === 'poster');

  // Stable containers: re-rendering a tab does not disturb the others or the feed.
  const totalBox = h('section', { class: 'today card', 'aria-live': 'polite', 'data-testid': 'today-total' });
  const offlineBanner = h(
    'div',
    { class: 'notice error offline', role: 'alert', 'data-testid': 'offline-banner', hidden: true },
    '',
  );
  const body = h('div', { class: 'tab-body' });
  const overlay = h('div', {
    class: 'overlay',
    hidden: true,
    role: 'dialog',
    'aria-modal': 'true',
    'data-testid': 'qr-overlay',
  });

  // Browsers speak only after the person has touched the page once: until then, a big button asks for that touch.
  const needsTouch = () => speechAvailable() && speechEnabled() && navigator.userActivation?.hasBeenActive === false;
  const unlockBox = h('div', {});
  const renderUnlock = () =>
    fill(
      unlockBox,
      needsTouch()
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn primary block unlock',
              'data-testid': 'speech-unlock',
              onclick: () => {
                say(t('vendor.speak.ready'));
                renderUnlock();
              },
            },
            t('vendor.speak.unlock'),
          )
        : null,
    );

  const render = () => {
    document.title = `${t('vendor.tab.sell')} · ${t('app.name')}`;
    const title = stall ? t('common.stall', { code: String(stall.stallCode) }) : '';
    fill(
      root,
      header(title, render),
      h('main', { class: 'page vendor' }, offlineBanner, unlockBox, totalBox, body),
      tabs<Tab>(
        [
          { id: 'sell', label: t('vendor.tab.sell') },
          { id: 'feed', label: t('vendor.tab.feed') },
          { id: 'poster', label: t('vendor.tab.poster') },
          { id: 'settle', label: t('vendor.tab.settle') },
        ],
        tab,
        (id) => {
          tab = id;
          render();
        },
        'tabs bottom',
      ),
      overlay,
    );
    renderUnlock();
    renderTotal();
    renderTab();
    renderOverlay();
  };
  document.addEventListener('pointerdown', () => setTimeout(renderUnlock, 0), { once: true });

  const renderTotal = () => {
    const live = status === 'live' && loaded;
    // No network at all (the phone says so): say plainly what cannot work. A stream that was live and dropped: say the
    // money still arrives. The first connection shows "loading" instead.
    const noNetwork = navigator.onLine === false;
    offlineBanner.hidden = !noNetwork && status !== 'reconnecting';
    offlineBanner.textContent = t(noNetwork ? 'vendor.offline.network' : 'vendor.offline');
    fill(
      totalBox,
      h('div', { class: 'today-who' }, session.user.fullName),
      h(
        'div',
        { class: 'today-label' },
        t('vendor.today'),
        ' ',
        h('span', { class: `dot ${live ? 'live' : status === 'reconnecting' ? 'reconnecting' : 'connecting'}` }),
      ),
      loaded
        ? h('div', { class: 'today-amount', 'data-testid': 'today-amount' }, formatVnd(todayTotal))
        : h(
            'div',
            { class: 'today-amount loading', 'data-testid': 'today-amount', 'aria-busy': 'true' },
            t('vendor.today.loading'),
          ),
      h(
        'div',
        { class: 'muted', 'data-testid': 'today-status' },
        loaded ? `${t('vendor.today.count', { n: todayCount })} · ` : '',
        statusText(),
      ),
      recent.length
        ? h(
            'ul',
            { class: 'recent', 'data-testid': 'recent', 'aria-label': t('vendor.recent') },
            recent.slice(0, 5).map((p) => recentRow(p)),
          )
        : null,
    );
  };

  /** One line of the live list: the amount, the time, and in red what differs from what was asked. */
  const recentRow = (p: FeedPayment) => {
    const warning = discrepancyText(p);
    return h(
      'li',
      { class: warning ? 'warn' : '', 'data-payment-id': p.id },
      h('strong', {}, formatVnd(p.amount)),
      ' ',
      h('time', { datetime: p.paidAt }, formatTime(p.paidAt)),
      warning ? h('span', { class: 'diff' }, warning) : null,
    );
  };

  /** "Khách trả thiếu 199.800 ₫", "Khách có thể đã trả 2 lần"…; null for an ordinary payment. */
  const discrepancyText = (p: FeedPayment): string | null => {
    const d = discrepancyOf(p);
    if (!d) return null;
    return 'difference' in d
      ? t(`vendor.diff.${d.kind}`, { diff: formatVnd(d.difference) })
      : t(`vendor.diff.${d.kind}`);
  };

  const statusText = () =>
    t(
      status === 'live' && loaded
        ? 'vendor.feed.live'
        : status === 'reconnecting'
          ? 'vendor.feed.reconnecting'
          : 'vendor.feed.connecting',
    );

  const renderTab = () => {
    switch (tab) {
      case 'sell':
        return renderKeypad();
      case 'feed':
        return renderFeed();
      case 'poster':
        return void section(body, posterView);
      case 'settle':
        return void section(body, settlementView);
    }
  };

  // ---- keypad and dynamic QR ----
  const press = (key: string) => {
    if (key === 'C') amount = 0;
    else if (key === '⌫') amount = Math.floor(amount / 10);
    else {
      const next = Number(`${amount}${key}`);
      if (next <= MAX_AMOUNT) amount = next;
    }
    showAmount();
  };

  const showAmount = () => {
    const display = body.querySelector('[data-testid="amount-display"]');
    if (display) display.textContent = formatVnd(amount);
    const words = body.querySelector('[data-testid="amount-words"]');
    if (words) words.textContent = amountWords();
    const make = body.querySelector<HTMLButtonElement>('[data-testid="make-qr"]');
    if (make) make.disabled = amount <= 0;
  };

  // The amount in words, so a slip of the thumb (30.000 → 300.000) is seen before the shopper pays.
  const amountWords = () =>
    amount > 0 ? t('vendor.amount.words', { words: vndToWords(amount) }) : t('vendor.amount.hint');

  /** A fresh amount after a QR is made, closed, cancelled or paid: the next sale never starts from the last one. */
  const resetAmount = () => {
    amount = 0;
    showAmount();
  };

  const renderKeypad = () => {
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '000', '0', '⌫'];
    fill(
      body,
      h(
        'section',
        { class: 'keypad-card card' },
        h(
          'output',
          { class: 'amount-display', 'data-testid': 'amount-display', 'aria-live': 'polite' },
          formatVnd(amount),
        ),
        h('div', { class: 'amount-words muted', 'data-testid': 'amount-words', lang: 'vi' }, amountWords()),
        h(
          'div',
          { class: 'keypad' },
          keys.map((k) =>
            h(
              'button',
              {
                type: 'button',
                class: `key${k === '⌫' ? ' key-fn' : ''}`,
                'data-key': k,
                'aria-label': k === '⌫' ? t('vendor.backspace') : k,
                onclick: () => press(k),
              },
              k,
            ),
          ),
        ),
        h(
          'div',
          { class: 'row' },
          h('button', { type: 'button', class: 'btn', onclick: () => press('C') }, t('vendor.clear')),
          h(
            'button',
            {
              type: 'button',
              class: 'btn primary grow',
              'data-testid': 'make-qr',
              disabled: amount <= 0,
              onclick: () => void makeQr(),
            },
            t('vendor.make'),
          ),
        ),
      ),
    );
  };

  const makeQr = async () => {
    if (amount <= 0) return;
    try {
      const res = await post(paths.dynamicQr(merchantId), { amount });
      const qr = res.qr as Json;
      openQr = {
        id: String(qr.id),
        orderCode: (qr.orderCode as string | null) ?? null,
        amount: Number(qr.amount ?? amount),
        expiresAt: Date.parse(String(qr.expiresAt)),
        image: String(
          (res.image as Json | undefined)?.svgDataUrl ?? withToken(paths.qrLink(String((qr.links as Json).png))),
        ),
        paid: null,
      };
      resetAmount();
      clearInterval(countdown);
      countdown = setInterval(renderCountdown, 1_000);
      renderOverlay();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  const closeQr = () => {
    clearInterval(countdown);
    openQr = null;
    resetAmount();
    renderOverlay();
  };

  const cancelQr = async () => {
    const qr = openQr;
    closeQr();
    if (qr && !qr.paid && qr.expiresAt > Date.now()) {
      await post(paths.cancelQr(qr.id)).catch((e: unknown) => toast(errorMessage(e), 'error'));
    }
  };

  const renderCountdown = () => {
    const el = overlay.querySelector('[data-testid="qr-countdown"]');
    if (!openQr || !el) return;
    const left = (openQr.expiresAt - Date.now()) / 1000;
    if (left <= 0 && !openQr.paid) {
      clearInterval(countdown);
      renderOverlay();
      return;
    }
    el.textContent = t('vendor.qr.expires', { time: formatCountdown(left) });
  };

  const renderOverlay = () => {
    syncWake();
    if (!openQr) {
      overlay.hidden = true;
      overlay.replaceChildren();
      document.body.classList.remove('no-scroll');
      return;
    }
    const qr = openQr;
    overlay.hidden = false;
    document.body.classList.add('no-scroll');
    const expired = !qr.paid && qr.expiresAt <= Date.now();
    fill(
      overlay,
      h(
        'div',
        { class: `qr-full${qr.paid ? ' paid' : ''}${expired ? ' expired' : ''}` },
        h(
          'div',
          { class: 'qr-stall' },
          stall ? `${t('common.stall', { code: stall.stallCode })} · ${stall.vendor?.fullName ?? ''}` : '',
        ),
        h('div', { class: 'qr-amount', 'data-testid': 'qr-amount' }, formatVnd(qr.amount)),
        qr.paid
          ? paidNotice(qr.paid)
          : expired
            ? h('div', { class: 'qr-expired', role: 'status' }, t('vendor.qr.expired'))
            : h('img', {
                class: 'qr-image',
                src: qr.image,
                alt: t('vendor.qr.title', { amount: formatVnd(qr.amount) }),
                'data-testid': 'qr-image',
                'data-qr-id': qr.id,
              }),
        !qr.paid && !expired
          ? h(
              'div',
              { class: 'qr-countdown', 'data-testid': 'qr-countdown' },
              t('vendor.qr.expires', { time: formatCountdown((qr.expiresAt - Date.now()) / 1000) }),
            )
          : null,
        h(
          'div',
          { class: 'row' },
          !qr.paid && !expired
            ? h('button', { type: 'button', class: 'btn', onclick: () => void cancelQr() }, t('vendor.qr.cancel'))
            : null,
          h(
            'button',
            { type: 'button', class: 'btn primary grow', 'data-testid': 'qr-close', onclick: closeQr },
            t('common.close'),
          ),
        ),
      ),
    );
  };

  /** Green "✓ Đã nhận 45.000 ₫" when the QR was paid as asked; red, with what differs first, when it was not. */
  const paidNotice = (p: FeedPayment) => {
    const warning = discrepancyText(p);
    if (!warning) {
      return h('div', { class: 'qr-paid', role: 'status' }, '✓ ', t('vendor.qr.paid', { amount: formatVnd(p.amount) }));
    }
    return h(
      'div',
      { class: 'qr-paid wrong', role: 'alert', 'data-testid': 'qr-paid-wrong' },
      h('div', { class: 'diff' }, '⚠ ', warning),
      h(
        'div',
        {},
        p.expectedAmount !== null
          ? t('vendor.qr.paidWrong', { amount: formatVnd(p.amount), expected: formatVnd(p.expectedAmount) })
          : t('vendor.qr.paid', { amount: formatVnd(p.amount) }),
      ),
    );
  };

  // ---- live feed ----
  const paymentRow = (p: FeedPayment) =>
    h(
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

  const renderFeed = () => {
    const speakBtn = h(
      'button',
      {
        type: 'button',
        class: 'btn',
        'aria-pressed': speechEnabled() ? 'true' : 'false',
        onclick: () => {
          setSpeechEnabled(!speechEnabled());
          renderFeed();
        },
      },
      t(speechEnabled() ? 'vendor.speak.on' : 'vendor.speak.off'),
    );
    fill(
      body,
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
        payments.length
          ? h('ul', { class: 'payments', 'data-testid': 'payments' }, payments.map(paymentRow))
          : h('p', { class: 'muted', 'data-testid': 'payments-empty' }, t('vendor.feed.empty')),
      ),
    );
  };

  const addPayment = (p: FeedPayment, live: boolean) => {
    if (payments.some((x) => x.id === p.id)) return;
    payments.unshift(p);
    payments.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt));
    if (businessDay(new Date(p.paidAt)) === businessDay() && p.type !== 'payment.reversed') {
      todayTotal += p.amount;
      todayCount += 1;
    }
    if (live) recent.unshift(p);
    renderTotal();
    if (tab === 'feed') renderFeed();
    if (!live) return;
    say(announcementFor(p));
    // Felt in a pocket or over the noise of the market; a different buzz when the amount is not what was asked.
    buzz(discrepancyOf(p) ? BUZZ_CHECK : BUZZ_PAID);
    if (
      openQr &&
      !openQr.paid &&
      ((p.qrId && p.qrId === openQr.id) || (p.orderCode && p.orderCode === openQr.orderCode))
    ) {
      openQr.paid = p;
      clearInterval(countdown);
      renderOverlay();
    }
  };

  const feed = new PaymentFeed({
    url: (lastEventId) => {
      const base = withToken(paths.paymentsStream(merchantId));
      return lastEventId ? `${base}&since=${encodeURIComponent(lastEventId)}` : base;
    },
    onPayment: (p) => addPayment(p, true),
    onStatus: (s) => {
      status = s;
      renderTotal();
      // Every (re)connection resynchronises the total and the list with the ledger.
      if (s === 'live') void loadToday();
    },
  });

  /** Today's payments and total: shown at once, and marked as seen so the stream does not announce them again. */
  const loadToday = async () => {
    const [statement, total] = await Promise.all([
      get(paths.statement(merchantId, 'pageSize=100')).catch(() => null),
      get(paths.paymentsToday(merchantId)).catch(() => null),
    ]);
    const today = businessDay();
    for (const line of itemsOf(statement, 'items')) {
      if (line.kind !== 'payment' || line.businessDay !== today) continue;
      const p = paymentFromEvent('payment', String(line.seq ?? ''), line);
      if (!p || payments.some((x) => x.id === p.id)) continue;
      feed.markSeen([p.id]);
      payments.push(p);
    }
    payments.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt));
    if (total && Number.isSafeInteger(total.total)) {
      todayTotal = Number(total.total);
      todayCount = Number(total.count);
    } else {
      const todays = payments.filter((p) => businessDay(new Date(p.paidAt)) === today);
      todayTotal = todays.reduce((sum, p) => sum + p.amount, 0);
      todayCount = todays.length;
    }
    if (statement || total) loaded = true;
    renderTotal();
    if (tab === 'feed') renderFeed();
  };

  // ---- poster ----
  const posterView = async (): Promise<Node[]> => {
    let qr: Json;
    try {
      qr = (await get(paths.poster(merchantId))).qr as Json;
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'QR.NOT_FOUND' || e.code === 'QR.STALL_NOT_FOUND')) {
        return [
          h('section', { class: 'card' }, h('h2', {}, t('vendor.poster.title')), h('p', {}, t('vendor.poster.none'))),
        ];
      }
      throw e;
    }
    const links = (qr.links ?? {}) as Json;
    const pdf = (size: string) => withToken(`${paths.qrLink(String(links.posterPdf))}?size=${size}`);
    return [
      h(
        'section',
        { class: 'card poster' },
        h('h2', {}, t('vendor.poster.title')),
        h('p', { class: 'muted' }, t('vendor.poster.hint')),
        h('img', {
          class: 'poster-preview',
          src: withToken(`${paths.qrLink(String(links.posterPng))}?size=A6&dpi=96`),
          alt: t('vendor.poster.title'),
          loading: 'lazy',
        }),
        qr.posterSerial
          ? h('p', { class: 'muted' }, t('vendor.poster.serial', { serial: String(qr.posterSerial) }))
          : null,
        h(
          'div',
          { class: 'stack' },
          h(
            'a',
            {
              class: 'btn primary block',
              href: pdf('A6'),
              target: '_blank',
              rel: 'noopener',
              'data-testid': 'poster-pdf',
            },
            t('vendor.poster.pdfA6'),
          ),
          h('a', { class: 'btn block', href: pdf('A5'), target: '_blank', rel: 'noopener' }, t('vendor.poster.pdfA5')),
          h(
            'a',
            {
              class: 'btn block',
              href: withToken(`${paths.qrLink(String(links.posterPng))}?size=A5&dpi=200`),
              download: `poster-${qr.stallCode ?? 'stall'}.png`,
            },
            t('vendor.poster.png'),
          ),
        ),
      ),
    ];
  };

  // ---- settlement history ----
  const settlementView = async (): Promise<Node[]> => {
    const items = itemsOf(await get(paths.settlementLines(merchantId)));
    return [
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('vendor.settle.title')),
        items.length
          ? h(
              'ul',
              { class: 'settlements' },
              items.map((l) =>
                h(
                  'li',
                  { class: 'settlement' },
                  h(
                    'div',
                    { class: 'row spread' },
                    h('strong', {}, formatDate(String(l.businessDay))),
                    statusPill(String(l.state)),
                  ),
                  h(
                    'div',
                    { class: 'row spread' },
                    h('span', {}, t('vendor.settle.gross')),
                    h('span', {}, formatVnd(Number(l.grossAmount ?? 0))),
                  ),
                  h(
                    'div',
                    { class: 'row spread muted' },
                    h('span', {}, t('vendor.settle.fee')),
                    h('span', {}, formatVnd(Number(l.feeAmount ?? 0))),
                  ),
                  h(
                    'div',
                    { class: 'row spread big' },
                    h('span', {}, t('vendor.settle.net')),
                    h('strong', {}, formatVnd(Number(l.netAmount ?? 0))),
                  ),
                  (l.payout as Json | null)?.paidAt
                    ? h('div', { class: 'muted' }, formatDateTime(String((l.payout as Json).paidAt)))
                    : null,
                  l.payoutAccount
                    ? h(
                        'div',
                        { class: 'muted' },
                        t('vendor.settle.account', { account: String((l.payoutAccount as Json).accountNumber ?? '') }),
                      )
                    : null,
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('vendor.settle.empty')),
      ),
    ];
  };

  window.addEventListener('online', renderTotal);
  window.addEventListener('offline', renderTotal);
  render();
  feed.start();
  get(paths.stall(merchantId))
    .then((r) => {
      stall = r.stall as Json;
      render();
    })
    .catch(() => undefined);
}

export function statusPill(status: string): HTMLElement {
  const key = `status.${status}` as MessageKey;
  const text = t(key);
  return h('span', { class: `pill status-${status}` }, text === key ? status : text);
}
