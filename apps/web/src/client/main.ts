import { initLang, t } from './i18n';
import { watchNetwork } from './layout';
import { homePage } from './pages/home';
import { loginPage } from './pages/login';
import { managerPage } from './pages/manager';
import { shopperPage } from './pages/shopper';
import { vendorPage } from './pages/vendor';

/** One script for every page: the server says which page this is in `<body data-page>`. */
const PAGES: Record<string, (root: HTMLElement) => void> = {
  home: homePage,
  login: loginPage,
  vendor: vendorPage,
  manager: managerPage,
  shopper: shopperPage,
};

initLang();
const root = document.getElementById('app')!;
const page = document.body.dataset.page ?? 'home';
// The vendor page says itself, more precisely, what does not work offline (no QR, no payment announcements).
if (page !== 'vendor') {
  const offline = watchNetwork(() => t('offline.page'));
  document.body.insertBefore(offline, root);
}
(PAGES[page] ?? homePage)(root);

// The installable app: the service worker keeps the shell (this page, the script, the stylesheet, the icons) so the app
// opens without network, and never keeps what the services answer. Not there (an old browser, plain http on a LAN
// address): the app works as before, online only.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }).catch(() => undefined);
  });
}
