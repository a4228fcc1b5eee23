import { resolve } from 'node:path';
import express, { type Express } from 'express';
import { startService, type Logger, type RouteDoc, type RunningService } from '@marketqr/service-kit';
import { buildClientBundle, packageRoot, type ClientBundle } from './bundle';
import type { WebConfig } from './config';
import { proxyBodyReader, proxyTo, upstreamsOf } from './proxy';
import { securityHeaders } from './security-headers';

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

const routes: RouteDoc[] = [
  ...Object.keys(PAGES).map((path) => ({ method: 'get' as const, path, summary: 'page', tags: ['pages'] })),
  { method: 'get', path: '/app.js', summary: 'the browser bundle', tags: ['assets'] },
  ...['onboarding', 'qr', 'ledger', 'settlement', 'insights', 'bank'].map((name) => ({
    method: 'get' as const,
    path: `/api/${name}/*`,
    summary: `reverse proxy to ${name} (any method; ?access_token= becomes a bearer token)`,
    tags: ['proxy'],
  })),
];

/** The one HTML document every page uses. Text appears only after the script runs (it holds both languages). */
export function shell(page: string, bundle: ClientBundle): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0b6e4f">
<title>MarketQR</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
</head>
<body data-page="${page}">
<noscript>MarketQR cần JavaScript. / MarketQR needs JavaScript.</noscript>
<div id="app"></div>
<script src="/app.js?v=${bundle.hash}" defer></script>
</body>
</html>
`;
}

export function mountWeb(
  app: Express,
  config: WebConfig,
  logger: Logger,
  bundle: () => ClientBundle | undefined,
): void {
  app.use(securityHeaders);
  for (const u of upstreamsOf(config)) {
    app.use(`/api/${u.name}`, proxyTo(u, { logger, timeoutMs: config.WEB_UPSTREAM_TIMEOUT_MS }));
  }
  // Until the bundle is built (a second or so after start), pages answer 503 like /readyz does.
  const current = (res: express.Response): ClientBundle | undefined => {
    const b = bundle();
    if (!b) res.status(503).set('Retry-After', '1').type('text/plain').send('starting');
    return b;
  };
  for (const [path, page] of Object.entries(PAGES)) {
    const send = (_req: express.Request, res: express.Response) => {
      const b = current(res);
      if (b) res.set('Cache-Control', 'no-cache').type('html').send(shell(page, b));
    };
    app.get(path, send);
    // Deep links inside a page (market-insights' alert links: /manager/suspense/<paymentId> …).
    if (path !== '/') app.get(`${path}/*rest`, send);
  }
  app.get('/app.js', (req, res) => {
    const b = current(res);
    if (!b) return;
    res.set('Cache-Control', req.query.v === b.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.set('ETag', `"${b.hash}"`).type('application/javascript; charset=utf-8').send(b.js);
  });
  app.use(express.static(publicDir, { index: false, maxAge: '1h' }));
}

/**
 * Starts the web server: pages, the browser bundle (built at start, so `/readyz` is 503 until it is ready) and the
 * reverse proxy to the services, so the browser talks to one origin.
 */
export async function startWeb(config: WebConfig, logger: Logger, handleSignals = false): Promise<RunningService> {
  let bundle: ClientBundle | undefined;
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
          bundle = await buildClientBundle();
          logger.info({ bytes: bundle.js.length, hash: bundle.hash }, 'client bundle built');
        },
        stop: async () => undefined,
        check: async () => {
          if (!bundle) throw new Error('client bundle not built');
        },
      },
    ],
    bodyReaders: [proxyBodyReader],
    mount: (app) => mountWeb(app, config, logger, () => bundle),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handleSignals,
  });
}
