import { onboardingApi } from '../../api';
import { fill, h } from '../../dom';
import { t } from '../../i18n';
import { header, section, tabs } from '../../layout';
import { loadSession } from '../../session';
import { say, speechAvailable, speechEnabled } from '../../speech';
import { paymentStream, renderFeed } from './payments';
import { posterView } from './poster';
import { renderKeypad, renderOverlay } from './sell';
import { settlementView } from './settlement';
import { createVendorState, type Tab, type VendorState } from './state';
import { renderTotal } from './today';

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
  const s = createVendorState(session.user.merchantId, session.user.fullName);

  const render = () => {
    document.title = `${t('vendor.tab.sell')} · ${t('app.name')}`;
    const title = s.stall ? t('common.stall', { code: s.stall.stallCode }) : '';
    fill(
      root,
      header(title, render),
      h('main', { class: 'page vendor' }, s.offlineBanner, s.unlockBox, s.totalBox, s.body),
      tabs<Tab>(
        [
          { id: 'sell', label: t('vendor.tab.sell') },
          { id: 'feed', label: t('vendor.tab.feed') },
          { id: 'poster', label: t('vendor.tab.poster') },
          { id: 'settle', label: t('vendor.tab.settle') },
        ],
        s.tab,
        (id) => {
          s.tab = id;
          render();
        },
        'tabs bottom',
      ),
      s.overlay,
    );
    renderUnlock(s);
    renderTotal(s);
    renderTab(s);
    renderOverlay(s);
  };
  document.addEventListener('pointerdown', () => setTimeout(() => renderUnlock(s), 0), { once: true });

  const feed = paymentStream(s);
  window.addEventListener('online', () => renderTotal(s));
  window.addEventListener('offline', () => renderTotal(s));
  render();
  feed.start();
  onboardingApi
    .getStall({ params: { stallId: s.merchantId } })
    .then((r) => {
      s.stall = r.stall;
      render();
    })
    .catch(() => undefined);
}

function renderTab(s: VendorState): void {
  switch (s.tab) {
    case 'sell':
      return renderKeypad(s);
    case 'feed':
      return renderFeed(s);
    case 'poster':
      return void section(s.body, () => posterView(s.merchantId));
    case 'settle':
      return void section(s.body, () => settlementView(s.merchantId));
  }
}

// Browsers speak only after the person has touched the page once: until then, a big button asks for that touch.
const needsTouch = () => speechAvailable() && speechEnabled() && navigator.userActivation?.hasBeenActive === false;

function renderUnlock(s: VendorState): void {
  fill(
    s.unlockBox,
    needsTouch()
      ? h(
          'button',
          {
            type: 'button',
            class: 'btn primary block unlock',
            'data-testid': 'speech-unlock',
            onclick: () => {
              say(t('vendor.speak.ready'));
              renderUnlock(s);
            },
          },
          t('vendor.speak.unlock'),
        )
      : null,
  );
}
