/**
 * The sell tab: a keypad for an amount, and the dynamic QR it makes, shown full screen with a countdown until it is
 * paid (green, or red with what differs), expires, is cancelled or closed.
 */
import type { QrView } from '@marketqr/contracts/dist/http/qr-generation';
import { paths, qrApi, withToken } from '../../api';
import { fill, h } from '../../dom';
import type { FeedPayment } from '../../feed';
import { formatCountdown, formatVnd } from '../../format';
import { t } from '../../i18n';
import { qrImageUrl } from '../../qr-image';
import { errorMessage, toast } from '../../layout';
import { vndToWords } from '../../words';
import type { VendorState } from './state';
import { discrepancyText } from './today';

const MAX_AMOUNT = 499_999_999;

// ---- keypad ----
function press(s: VendorState, key: string): void {
  if (key === 'C') s.amount = 0;
  else if (key === '⌫') s.amount = Math.floor(s.amount / 10);
  else {
    const next = Number(`${s.amount}${key}`);
    if (next <= MAX_AMOUNT) s.amount = next;
  }
  showAmount(s);
}

function showAmount(s: VendorState): void {
  const display = s.body.querySelector('[data-testid="amount-display"]');
  if (display) display.textContent = formatVnd(s.amount);
  const words = s.body.querySelector('[data-testid="amount-words"]');
  if (words) words.textContent = amountWords(s);
  const make = s.body.querySelector<HTMLButtonElement>('[data-testid="make-qr"]');
  if (make) make.disabled = s.amount <= 0;
}

// The amount in words, so a slip of the thumb (30.000 → 300.000) is seen before the shopper pays.
function amountWords(s: VendorState): string {
  return s.amount > 0 ? t('vendor.amount.words', { words: vndToWords(s.amount) }) : t('vendor.amount.hint');
}

/** A fresh amount after a QR is made, closed, cancelled or paid: the next sale never starts from the last one. */
function resetAmount(s: VendorState): void {
  s.amount = 0;
  showAmount(s);
}

export function renderKeypad(s: VendorState): void {
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '000', '0', '⌫'];
  fill(
    s.body,
    h(
      'section',
      { class: 'keypad-card card' },
      h(
        'output',
        { class: 'amount-display', 'data-testid': 'amount-display', 'aria-live': 'polite' },
        formatVnd(s.amount),
      ),
      h('div', { class: 'amount-words muted', 'data-testid': 'amount-words', lang: 'vi' }, amountWords(s)),
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
              onclick: () => press(s, k),
            },
            k,
          ),
        ),
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'btn', onclick: () => press(s, 'C') }, t('vendor.clear')),
        h(
          'button',
          {
            type: 'button',
            class: 'btn primary grow',
            'data-testid': 'make-qr',
            disabled: s.amount <= 0,
            onclick: () => void makeQr(s),
          },
          t('vendor.make'),
        ),
      ),
    ),
  );
}

// ---- the dynamic QR ----
async function makeQr(s: VendorState): Promise<void> {
  if (s.amount <= 0) return;
  try {
    const { qr } = await qrApi.issueDynamicQr({ params: { merchantId: s.merchantId }, body: { amount: s.amount } });
    s.openQr = {
      id: qr.id,
      orderCode: qr.orderCode,
      amount: qr.amount ?? s.amount,
      expiresAt: Date.parse(String(qr.expiresAt)),
      image: qrImage(qr),
      paid: null,
    };
    resetAmount(s);
    clearInterval(s.countdown);
    s.countdown = setInterval(() => renderCountdown(s), 1_000);
    renderOverlay(s);
  } catch (e) {
    toast(errorMessage(e), 'error');
  }
}

// Drawn here from the payload; the server's PNG link only if this browser cannot draw it.
function qrImage(qr: QrView): string {
  try {
    return qrImageUrl(qr.payload);
  } catch {
    return withToken(paths.qrLink(qr.links.png));
  }
}

function closeQr(s: VendorState): void {
  clearInterval(s.countdown);
  s.openQr = null;
  resetAmount(s);
  renderOverlay(s);
}

async function cancelQr(s: VendorState): Promise<void> {
  const qr = s.openQr;
  closeQr(s);
  if (qr && !qr.paid && qr.expiresAt > Date.now()) {
    await qrApi.cancelQr({ params: { qrId: qr.id } }).catch((e: unknown) => toast(errorMessage(e), 'error'));
  }
}

/** A payment that arrived live: when it pays the open QR, the QR turns into what was received. */
export function settleOpenQr(s: VendorState, p: FeedPayment): void {
  const open = s.openQr;
  if (open && !open.paid && ((p.qrId && p.qrId === open.id) || (p.orderCode && p.orderCode === open.orderCode))) {
    open.paid = p;
    clearInterval(s.countdown);
    renderOverlay(s);
  }
}

function renderCountdown(s: VendorState): void {
  const el = s.overlay.querySelector('[data-testid="qr-countdown"]');
  if (!s.openQr || !el) return;
  const left = (s.openQr.expiresAt - Date.now()) / 1000;
  if (left <= 0 && !s.openQr.paid) {
    clearInterval(s.countdown);
    renderOverlay(s);
    return;
  }
  el.textContent = t('vendor.qr.expires', { time: formatCountdown(left) });
}

export function renderOverlay(s: VendorState): void {
  s.wake.set(s.openQr !== null || s.tab === 'poster');
  const { overlay, stall } = s;
  if (!s.openQr) {
    overlay.hidden = true;
    overlay.replaceChildren();
    document.body.classList.remove('no-scroll');
    return;
  }
  const qr = s.openQr;
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
          ? h('button', { type: 'button', class: 'btn', onclick: () => void cancelQr(s) }, t('vendor.qr.cancel'))
          : null,
        h(
          'button',
          { type: 'button', class: 'btn primary grow', 'data-testid': 'qr-close', onclick: () => closeQr(s) },
          t('common.close'),
        ),
      ),
    ),
  );
}

/** Green "✓ Đã nhận 45.000 ₫" when the QR was paid as asked; red, with what differs first, when it was not. */
function paidNotice(p: FeedPayment): HTMLElement {
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
}
