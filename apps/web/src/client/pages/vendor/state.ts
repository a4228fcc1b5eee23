import type { StallView } from '@marketqr/contracts/dist/http/merchant-onboarding';
import { ScreenWake } from '../../device';
import { h } from '../../dom';
import type { FeedPayment, FeedStatus } from '../../feed';

export type Tab = 'sell' | 'feed' | 'poster' | 'settle';

/** The dynamic QR shown full screen, until it is paid, expires, is cancelled or closed. */
export interface OpenQr {
  id: string;
  orderCode: string | null;
  amount: number;
  expiresAt: number;
  image: string;
  paid: FeedPayment | null;
}

/**
 * What the vendor page's modules share: one object made by `page.ts` and handed to each of them, instead of variables
 * of one big closure. The containers are stable: re-rendering a tab does not disturb the others or the feed.
 */
export interface VendorState {
  readonly merchantId: string;
  readonly vendorName: string;
  tab: Tab;
  /** The amount being typed on the keypad, in đồng. */
  amount: number;
  stall: StallView | null;
  status: FeedStatus;
  openQr: OpenQr | null;
  countdown: ReturnType<typeof setInterval> | undefined;
  /** Today's payments (and any older ones the stream brought), newest first: the feed tab's list. */
  readonly payments: FeedPayment[];
  /** Payments that arrived live while the page is open, newest first: one list instead of a pile of toasts. */
  readonly recent: FeedPayment[];
  todayTotal: number;
  todayCount: number;
  /** Until the ledger has answered, the total is unknown: "0 ₫ · live" before it would be a lie for a second or two. */
  loaded: boolean;
  /** The screen stays on while a shopper may be scanning: a dynamic QR open, or the poster tab. */
  readonly wake: ScreenWake;
  /** Today's total and the live list, above every tab. */
  readonly totalBox: HTMLElement;
  readonly offlineBanner: HTMLElement;
  /** Browsers speak only after the person has touched the page once: until then, a big button asks for that touch. */
  readonly unlockBox: HTMLElement;
  /** The selected tab's content. */
  readonly body: HTMLElement;
  /** The dynamic QR, full screen. */
  readonly overlay: HTMLElement;
}

export function createVendorState(merchantId: string, vendorName: string): VendorState {
  return {
    merchantId,
    vendorName,
    tab: 'sell',
    amount: 0,
    stall: null,
    status: 'connecting',
    openQr: null,
    countdown: undefined,
    payments: [],
    recent: [],
    todayTotal: 0,
    todayCount: 0,
    loaded: false,
    wake: new ScreenWake(),
    totalBox: h('section', { class: 'today card', 'aria-live': 'polite', 'data-testid': 'today-total' }),
    offlineBanner: h(
      'div',
      { class: 'notice error offline', role: 'alert', 'data-testid': 'offline-banner', hidden: true },
      '',
    ),
    unlockBox: h('div', {}),
    body: h('div', { class: 'tab-body' }),
    overlay: h('div', {
      class: 'overlay',
      hidden: true,
      role: 'dialog',
      'aria-modal': 'true',
      'data-testid': 'qr-overlay',
    }),
  };
}
