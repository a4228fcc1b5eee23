/**
 * The service worker's script, made at start with this deploy's version and shell in it: a new deploy is a new script
 * (the browser compares it byte for byte on every visit, `/sw.js` is sent `no-cache`), so the new worker installs, takes
 * the new shell into a new cache and deletes the old one.
 *
 * What it does:
 * - pages (`/`, `/login`, `/vendor`, `/manager`, `/shopper` and the deep links under them): the network first, and the
 *   cached shell when the network fails, answers 5xx or has not answered in a few seconds, so the app opens in a market
 *   hall with no signal and says there what cannot work;
 * - the shell's files (`/app.js?v=…`, `/app.css?v=…`, the icons, the manifest): from the cache, versioned URLs;
 * - `/api/*` and everything else: never touched (no `respondWith`), so balances, payments and the live stream always
 *   come from the network. Money must never be shown from a cache.
 */
export function serviceWorkerSource(opts: { version: string; pages: string[]; files: string[] }): string {
  return `'use strict';
// MarketQR service worker, version ${opts.version}. Made by apps/web/src/server/service-worker.ts.
const CACHE = 'marketqr-shell-${opts.version}';
const PAGES = ${JSON.stringify(opts.pages)};
const FILES = ${JSON.stringify(opts.files)};
// A page waits this long for the network before the cached shell is shown (a connection that is up but dead).
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PAGES.concat(FILES).map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('marketqr-shell-') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

/** The cached page a path is served from offline: '/manager/alerts/al_1' is the manager page. */
function pageOf(pathname) {
  if (pathname === '/') return '/';
  for (const page of PAGES) if (page !== '/' && (pathname === page || pathname.startsWith(page + '/'))) return page;
  return null;
}

function cachedPage(page) {
  return caches.open(CACHE).then((cache) => cache.match(page)).then((hit) => hit || Response.error());
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Never from a cache: what the services answer (money, the live stream) goes to the network or fails.
  if (url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    const page = pageOf(url.pathname);
    if (!page) return;
    event.respondWith(
      new Promise((resolve) => {
        let done = false;
        const fallback = () => {
          if (done) return;
          done = true;
          resolve(cachedPage(page));
        };
        const timer = setTimeout(fallback, NETWORK_WAIT_MS);
        fetch(request).then(
          (response) => {
            clearTimeout(timer);
            // A server restarting for a deploy answers 503 for a second or two: the cached shell is better than that.
            if (response.status >= 500) return fallback();
            if (done) return;
            done = true;
            resolve(response);
          },
          () => {
            clearTimeout(timer);
            fallback();
          },
        );
      }),
    );
    return;
  }
  if (FILES.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
});
`;
}
