import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import express, { type Express } from 'express';
import { startService, type Logger, type RouteDoc, type RunningService } from '@marketqr/service-kit';
import { iconPng, iconSvg } from './app-icon';
import { buildClientBundle, packageRoot, type ClientBundle } from './bundle';
import { binaryAsset, hashOf, sendAsset, textAsset, type Asset } from './compression';
import type { WebConfig } from './config';
import { proxyBodyReader, proxyTo, upstreamsOf, UpstreamPool } from './proxy';
import { securityHeaders } from './security-headers';
import { serviceWorkerSource } from './service-worker';

export const WEB_NAME = 'web';
export const WEB_VERSION = '0.1.0';

/** Pages: each is the same shell; the script picks the page from `data-page`. */
export const PAGES = {
  '/': 'home',
  '/login': 'login',
  '/vendor': 'vendor',
  '/manager': 'manager',
  '/shopper': 'shopper',
} as const;

const publicDir = resolve(packageRoot, 'public');

/** ZXing-C++'s reader compiled to WebAssembly, from the zxing-wasm package (left alone, the library would fetch it from a CDN). */
const ZXING_WASM = require.resolve('zxing-wasm/reader/zxing_reader.wasm');

/** The app's icons, made at start from one drawing (app-icon.ts). */
const ICON_FILES = ['/icon.svg', '/icon-192.png', '/icon-512.png'] as const;

const routes: RouteDoc[] = [
  ...Object.keys(PAGES).map((path) => ({ method: 'get' as const, path, summary: 'page', tags: ['pages'] })),
  { method: 'get', path: '/app.js', summary: 'the browser bundle (gzip/br by Accept-Encoding)', tags: ['assets'] },
  {
    method: 'get',
    path: '/zxing_reader.wasm',
    summary:
      'the QR reader (ZXing-C++ as WebAssembly, from the zxing-wasm package), served here so the page fetches nothing from elsewhere',
    tags: ['assets'],
  },
  { method: 'get', path: '/app.css', summary: 'the stylesheet (gzip/br by Accept-Encoding)', tags: ['assets'] },
  { method: 'get', path: '/manifest.webmanifest', summary: 'the web app manifest (installable app)', tags: ['assets'] },
  { method: 'get', path: '/sw.js', summary: 'the service worker (offline shell), never cached', tags: ['assets'] },
  ...ICON_FILES.map((path) => ({ method: 'get' as const, path, summary: 'app icon', tags: ['assets'] })),
  ...['onboarding', 'qr', 'ledger', 'settlement', 'insights', 'bank'].map((name) => ({
    method: 'get' as const,
    path: `/api/${name}/*`,
    summary: `reverse proxy to ${name} (any method; ?access_token= becomes a bearer token)`,
    tags: ['proxy'],
  })),
];

/** What the shell links to, each with its version: a new build is a new URL, never a stale cached file. */
export interface ShellLinks {
  js: string;
  css: string;
  /** The QR reader's WebAssembly: qr-scan.ts reads the URL from `<body data-zxing-wasm>`. */
  wasm: string;
}

/** The one HTML document every page uses. Text appears only after the script runs (it holds both languages). */
export function shell(page: string, { js, css, wasm }: ShellLinks): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="${THEME_COLOUR}">
<title>MarketQR</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/icon-192.png">
<link rel="stylesheet" href="${css}">
</head>
<body data-page="${page}" data-zxing-wasm="${wasm}">
<noscript>MarketQR cần JavaScript. / MarketQR needs JavaScript.</noscript>
<div id="app"></div>
<script src="${js}" defer></script>
</body>
</html>
`;
}

const THEME_COLOUR = '#0b6e4f';

/**
 * The web app manifest: what a phone needs to offer "Thêm vào màn hình chính" and to open the app full screen, in
 * Vietnamese. It starts at `/`, which sends a logged-in vendor or manager on to their page.
 */
export function manifest(): object {
  return {
    id: '/',
    name: 'MarketQR – Thanh toán QR cho chợ',
    short_name: 'MarketQR',
    description: 'Nhận tiền bằng mã VietQR ở chợ: tạo mã, nghe báo tiền về, in bảng mã cho sạp.',
    lang: 'vi',
    dir: 'ltr',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'portrait',
    theme_color: THEME_COLOUR,
    background_color: '#f6f5f2',
    icons: [
      { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      // The icon's full-bleed background and centred motif are made to be cropped: the same files are maskable.
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}

/** Everything the server sends that is made at start: the bundle, pages, stylesheet, icons, manifest, service worker. */
export interface WebAssets {
  bundle: ClientBundle;
  js: Asset;
  css: Asset;
  wasm: Asset;
  pages: Record<string, Asset>;
  manifest: Asset;
  sw: Asset;
  icons: Record<(typeof ICON_FILES)[number], Asset>;
  /** The service worker's cache version: changes whenever any file of the shell does. */
  version: string;
}

export async function buildWebAssets(bundle: ClientBundle): Promise<WebAssets> {
  const [js, css, wasm, manifestAsset, iconSvgAsset] = await Promise.all([
    textAsset(bundle.js, 'application/javascript; charset=utf-8'),
    textAsset(readFileSync(resolve(publicDir, 'app.css')), 'text/css; charset=utf-8'),
    // application/wasm: browsers compile it as it streams in (WebAssembly.instantiateStreaming) only with that type.
    textAsset(readFileSync(ZXING_WASM), 'application/wasm', true),
    textAsset(JSON.stringify(manifest(), null, 2), 'application/manifest+json; charset=utf-8'),
    textAsset(iconSvg(), 'image/svg+xml'),
  ]);
  const icons = {
    '/icon.svg': iconSvgAsset,
    '/icon-192.png': binaryAsset(iconPng(192), 'image/png'),
    '/icon-512.png': binaryAsset(iconPng(512), 'image/png'),
  };
  const links: ShellLinks = {
    js: `/app.js?v=${js.hash}`,
    css: `/app.css?v=${css.hash}`,
    wasm: `/zxing_reader.wasm?v=${wasm.hash}`,
  };
  const pageEntries = await Promise.all(
    Object.values(PAGES).map(async (page) => [page, await textAsset(shell(page, links), 'text/html; charset=utf-8')]),
  );
  const pages = Object.fromEntries(pageEntries) as Record<string, Asset>;
  const favicon = readFileSync(resolve(publicDir, 'favicon.svg'));
  const version = hashOf(
    [js, css, manifestAsset, ...Object.values(icons), ...Object.values(pages)].map((a) => a.hash).join() +
      hashOf(favicon),
  );
  const sw = await textAsset(
    serviceWorkerSource({
      version,
      pages: Object.keys(PAGES),
      files: [links.js, links.css, '/manifest.webmanifest', '/favicon.svg', ...ICON_FILES],
    }),
    'application/javascript; charset=utf-8',
  );
  return { bundle, js, css, wasm, pages, manifest: manifestAsset, sw, icons, version };
}

/** Mounts the pages and the proxy; returns the proxy's upstream pools, whose readiness probes the caller runs. */
export function mountWeb(
  app: Express,
  config: WebConfig,
  logger: Logger,
  assets: () => WebAssets | undefined,
): UpstreamPool[] {
  app.use(securityHeaders);
  // The proxy comes first and is never compressed or buffered here: an event stream must reach the phone event by
  // event, and the services' answers pass through as they are.
  const pools: UpstreamPool[] = [];
  for (const u of upstreamsOf(config)) {
    const pool = new UpstreamPool(u.name, u.targets, {
      logger,
      probeMs: config.WEB_UPSTREAM_PROBE_MS,
      cooldownMs: config.WEB_UPSTREAM_COOLDOWN_MS,
    });
    pools.push(pool);
    app.use(`/api/${u.name}`, proxyTo(u, { logger, timeoutMs: config.WEB_UPSTREAM_TIMEOUT_MS, pool }));
  }
  // Until the bundle is built (a second or so after start), pages answer 503 like /readyz does.
  const current = (res: express.Response): WebAssets | undefined => {
    const a = assets();
    if (!a) res.status(503).set('Retry-After', '1').type('text/plain').send('starting');
    return a;
  };
  /** Versioned URLs (`?v=` the content's hash) are cached for good; any other, revalidated. */
  const versioned = (req: express.Request, asset: Asset) =>
    req.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
  for (const [path, page] of Object.entries(PAGES)) {
    const send = (req: express.Request, res: express.Response) => {
      const a = current(res);
      if (a) sendAsset(req, res, a.pages[page]!, 'no-cache');
    };
    app.get(path, send);
    // Deep links inside a page (market-insights' alert links: /manager/suspense/<paymentId> …).
    if (path !== '/') app.get(`${path}/*rest`, send);
  }
  app.get('/app.js', (req, res) => {
    const a = current(res);
    if (a) sendAsset(req, res, a.js, versioned(req, a.js));
  });
  // Not in the service worker's shell: a megabyte each visitor would download for a scan that needs the network anyway.
  app.get('/zxing_reader.wasm', (req, res) => {
    const a = current(res);
    if (a) sendAsset(req, res, a.wasm, versioned(req, a.wasm));
  });
  app.get('/app.css', (req, res) => {
    const a = current(res);
    if (a) sendAsset(req, res, a.css, versioned(req, a.css));
  });
  app.get('/manifest.webmanifest', (req, res) => {
    const a = current(res);
    if (a) sendAsset(req, res, a.manifest, 'no-cache');
  });
  // The browser looks for a new worker on every visit; no-cache makes that check reach the server, not a cache.
  app.get('/sw.js', (req, res) => {
    const a = current(res);
    if (a) sendAsset(req, res, a.sw, 'no-cache');
  });
  for (const path of ICON_FILES) {
    app.get(path, (req, res) => {
      const a = current(res);
      if (a) sendAsset(req, res, a.icons[path], 'public, max-age=86400');
    });
  }
  app.use(express.static(publicDir, { index: false, maxAge: '1h' }));
  return pools;
}

/**
 * Starts the web server: pages, the browser bundle (built at start, so `/readyz` is 503 until it is ready) and the
 * reverse proxy to the services, so the browser talks to one origin.
 */
export async function startWeb(config: WebConfig, logger: Logger, handleSignals = false): Promise<RunningService> {
  let assets: WebAssets | undefined;
  let pools: UpstreamPool[] = [];
  return startService({
    name: WEB_NAME,
    version: WEB_VERSION,
    host: config.HOST,
    port: config.PORT,
    logger,
    routes,
    resources: [
      {
        name: 'client-bundle',
        start: async () => {
          const built = await buildWebAssets(await buildClientBundle());
          assets = built;
          logger.info(
            {
              bytes: built.js.body.length,
              gzip: built.js.gzip?.length,
              br: built.js.br?.length,
              hash: built.bundle.hash,
              version: built.version,
            },
            'client bundle built',
          );
        },
        stop: async () => undefined,
        check: async () => {
          if (!assets) throw new Error('client bundle not built');
        },
      },
      {
        // Readiness probes of services given as several replicas. Not a readiness condition of the web app: one
        // service down must not take the pages (and the other services) off the load balancer.
        name: 'upstream-probes',
        start: async () => pools.forEach((p) => p.start()),
        stop: async () => pools.forEach((p) => p.stop()),
        check: async () => undefined,
      },
    ],
    bodyReaders: [proxyBodyReader],
    mount: (app) => {
      pools = mountWeb(app, config, logger, () => assets);
    },
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handleSignals,
  });
}
