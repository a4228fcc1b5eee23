import { initLang } from './i18n';
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
(PAGES[document.body.dataset.page ?? 'home'] ?? homePage)(root);
