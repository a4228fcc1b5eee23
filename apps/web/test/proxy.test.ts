/**
 * The web server on its own: pages, the browser bundle, and the reverse proxy to the services, against a stand-in
 * upstream that records what it receives. The event stream is checked to arrive event by event (nothing buffered),
 * and a browser that goes away closes the upstream stream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, loadConfig, type RunningService } from '@marketqr/service-kit';
import { waitFor } from '@marketqr/test-harness';
import { webConfigShape } from '../src/server/config';
import { startWeb } from '../src/server/web';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let upstream: Server;
let upstreamUrl: string;
let web: RunningService;
let base: string;
const seen: Seen[] = [];
let streamClosed = false;
let releaseSecond: () => void = () => undefined;

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('latin1')));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    if (req.url!.startsWith('/stalls/s1/payments/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`id: 1\nevent: payment\ndata: {"paymentId":"p1","amount":50000}\n\n`);
      releaseSecond = () => res.write(`id: 2\nevent: payment\ndata: {"paymentId":"p2","amount":21000}\n\n`);
      res.on('close', () => (streamClosed = true));
      return;
    }
    if (req.url!.startsWith('/slow')) return void setTimeout(() => res.end('late'), 2_000);
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(JSON.stringify({ ok: true, url: req.url }));
  });
}

beforeAll(async () => {
  upstream = createServer(handle);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const config = loadConfig(webConfigShape, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    MERCHANT_ONBOARDING_URL: upstreamUrl,
    QR_GENERATION_URL: upstreamUrl,
    PAYMENT_LEDGER_URL: upstreamUrl,
    SETTLEMENT_URL: upstreamUrl,
    MARKET_INSIGHTS_URL: 'http://127.0.0.1:9', // nothing listens on the discard port
    BANK_SIMULATOR_URL: upstreamUrl,
    WEB_UPSTREAM_TIMEOUT_MS: '500',
  });
  web = await startWeb(config, createLogger('web', 'silent'));
  await web.ready;
  base = `http://127.0.0.1:${web.port}`;
});

afterAll(async () => {
  await web?.stop();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const last = () => seen[seen.length - 1]!;

test('pages are Vietnamese by default and load the bundle; deep links under /manager serve the manager page', async () => {
  for (const [path, page] of [
    ['/', 'home'],
    ['/vendor', 'vendor'],
    ['/manager/suspense/pay_1', 'manager'],
    ['/shopper', 'shopper'],
  ]) {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain(`data-page="${page}"`);
    expect(html).toMatch(/<script src="\/app\.js\?v=[0-9a-f]{16}" defer>/);
  }
  const js = await fetch(`${base}/app.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toMatch(/javascript/);
  const text = await js.text();
  expect(text.length).toBeGreaterThan(10_000);
  // The Vietnamese strings survive bundling as UTF-8 (not escaped, not decomposed).
  expect(text).toContain('Đã nhận');
  expect((await fetch(`${base}/app.css`)).status).toBe(200);
});

test('strips the prefix and turns ?access_token into a bearer header', async () => {
  const res = await fetch(`${base}/api/onboarding/markets/cho-nenh/stalls?status=active&access_token=tok123`);
  expect(res.status).toBe(200);
  expect(res.headers.get('x-upstream')).toBe('yes');
  expect(last().url).toBe('/markets/cho-nenh/stalls?status=active');
  expect(last().headers.authorization).toBe('Bearer tok123');

  // A header the browser did send wins over the query.
  await fetch(`${base}/api/qr/qr/q1?access_token=other`, { headers: { authorization: 'Bearer mine' } });
  expect(last().headers.authorization).toBe('Bearer mine');
});

test('forwards JSON and binary bodies and the upstream status', async () => {
  const json = await fetch(`${base}/api/qr/qr/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload: 'Chợ Nếnh ₫' }),
  });
  expect(json.status).toBe(200);
  expect(last()).toMatchObject({ method: 'POST', url: '/qr/verify' });
  expect(JSON.parse(Buffer.from(last().body, 'latin1').toString('utf8'))).toEqual({ payload: 'Chợ Nếnh ₫' });

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
  await fetch(`${base}/api/qr/qr/verify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
  expect(Buffer.from(last().body, 'latin1')).toEqual(png);

  expect((await fetch(`${base}/api/settlement/missing`)).status).toBe(404);
});

test('bodies go on byte for byte: indented JSON (a signed webhook), malformed JSON, a large body', async () => {
  const indented = '{\n    "transactionId": "FT1",\n    "amount": 50000\n}\n';
  const res = await fetch(`${base}/api/ledger/webhooks/bank-sim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-marketqr-signature': 'sig' },
    body: indented,
  });
  expect(res.status).toBe(200);
  expect(last()).toMatchObject({ method: 'POST', url: '/webhooks/bank-sim', body: indented });
  expect(last().headers['x-marketqr-signature']).toBe('sig');
  expect(last().headers['content-length']).toBe(String(Buffer.byteLength(indented)));
  // Not the web app's to judge: the service answers malformed or large bodies with its own codes.
  await fetch(`${base}/api/qr/qr/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":',
  });
  expect(last().body).toBe('{"a":');
  const big = JSON.stringify({ payload: 'x'.repeat(300_000) });
  expect(
    (
      await fetch(`${base}/api/qr/qr/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      })
    ).status,
  ).toBe(200);
  expect(last().body.length).toBe(big.length);
});

test('the services’ operational routes are not on the public origin', async () => {
  for (const path of ['metrics', 'readyz', 'healthz', 'openapi.json']) {
    for (const name of ['onboarding', 'qr', 'ledger', 'settlement', 'insights']) {
      const res = await fetch(`${base}/api/${name}/${path}`);
      expect([name, path, res.status]).toEqual([name, path, 404]);
      expect((await res.json()).error.code).toBe('WEB.NOT_PROXIED');
    }
  }
});

test('security headers on pages and API answers; no Referer can carry an access_token', async () => {
  for (const path of ['/', '/vendor', '/app.js', '/api/onboarding/markets/x?access_token=t']) {
    const res = await fetch(`${base}${path}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect([path, csp]).toEqual([path, expect.stringContaining("script-src 'self'")]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  }
});

test('only the shopper routes of the bank simulator are reachable', async () => {
  expect((await fetch(`${base}/api/bank/shopper/decode?payload=x`)).status).toBe(200);
  expect(last().url).toBe('/shopper/decode?payload=x');
  const admin = await fetch(`${base}/api/bank/__admin/webhooks`);
  expect(admin.status).toBe(404);
  expect((await admin.json()).error.code).toBe('WEB.NOT_PROXIED');
  expect((await fetch(`${base}/api/bank/v1/payouts`, { method: 'POST' })).status).toBe(404);
});

test('a service that is down or slow answers with a stable error code', async () => {
  const down = await fetch(`${base}/api/insights/markets/m/stats/daily`);
  expect(down.status).toBe(502);
  expect((await down.json()).error).toMatchObject({
    code: 'WEB.UPSTREAM_UNAVAILABLE',
    details: { service: 'insights' },
  });
  const slow = await fetch(`${base}/api/ledger/slow`);
  expect(slow.status).toBe(504);
  expect((await slow.json()).error.code).toBe('WEB.UPSTREAM_TIMEOUT');
});

test('an event stream passes through unbuffered with Last-Event-ID, and closing it closes the upstream stream', async () => {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/ledger/stalls/s1/payments/stream?access_token=t`, {
    headers: { accept: 'text/event-stream', 'last-event-id': '0' },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  expect(res.headers.get('x-accel-buffering')).toBe('no');
  expect(last().headers['last-event-id']).toBe('0');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${needle}`);
      text += decoder.decode(value, { stream: true });
    }
  };
  // The first event arrives while the upstream still holds the stream open: nothing waits for the end.
  await readUntil('"p1"');
  expect(text).not.toContain('"p2"');
  // The stream outlives the ordinary upstream timeout (500 ms here).
  await new Promise((r) => setTimeout(r, 700));
  releaseSecond();
  await readUntil('"p2"');
  controller.abort();
  await waitFor(() => streamClosed, { what: 'the upstream stream to close' });
});
