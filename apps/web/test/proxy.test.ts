/**
 * The web server on its own: pages, the browser bundle, and the reverse proxy to the services, against a stand-in
 * upstream that records what it receives. The event stream is checked to arrive event by event (nothing buffered),
 * and a browser that goes away closes the upstream stream.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { createLogger, loadConfig, type RunningService } from '@marketqr/service-kit';
import { waitFor } from '@marketqr/test-harness';
import { webConfigShape } from '../src/server/config';
import { pickEncoding } from '../src/server/compression';
import { buildWebAssets, startWeb } from '../src/server/web';

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

/** A GET with exactly these headers (fetch would add its own Accept-Encoding and decode the body). */
function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('app.js, app.css and the service worker are sent compressed as the browser asks (br, else gzip), with Vary', async () => {
  const html = (await (await fetch(`${base}/vendor`)).text()) as string;
  const js = /src="(\/app\.js\?v=[0-9a-f]{16})"/.exec(html)![1]!;
  const css = /href="(\/app\.css\?v=[0-9a-f]{16})"/.exec(html)![1]!;
  const plain = await raw(js);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
  expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(plain.body.toString('utf8')).toContain('Đã nhận');

  const gz = await raw(js, { 'accept-encoding': 'gzip, deflate' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gz.headers.vary).toMatch(/Accept-Encoding/i);
  expect(gunzipSync(gz.body)).toEqual(plain.body);
  // Far fewer bytes on a phone's connection (jsQR's tables compress less than the pages' code).
  expect(gz.body.length).toBeLessThan(plain.body.length / 2);

  const br = await raw(js, { 'accept-encoding': 'gzip, deflate, br, zstd' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(brotliDecompressSync(br.body)).toEqual(plain.body);
  expect(br.body.length).toBeLessThan(gz.body.length);
  // Each encoding is its own representation: its own ETag.
  expect(new Set([plain.headers.etag, gz.headers.etag, br.headers.etag]).size).toBe(3);

  // br refused by weight: gzip.
  expect((await raw(js, { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding']).toBe('gzip');
  for (const path of [css, '/sw.js']) {
    const res = await raw(path, { 'accept-encoding': 'gzip' });
    expect([path, res.status, res.headers.vary]).toEqual([path, 200, expect.stringMatching(/Accept-Encoding/i)]);
    expect([path, res.headers['content-encoding']]).toEqual([path, 'gzip']);
  }
  // A page's HTML is under a kilobyte: sent as it is (compressing it would save a few hundred bytes).
  expect((await raw('/vendor', { 'accept-encoding': 'gzip' })).status).toBe(200);
});

test('Accept-Encoding is read with its weights', () => {
  expect(pickEncoding(undefined, ['br', 'gzip'])).toBeNull();
  expect(pickEncoding('gzip, deflate', ['br', 'gzip'])).toBe('gzip');
  expect(pickEncoding('br;q=0.5, gzip;q=1', ['br', 'gzip'])).toBe('br');
  expect(pickEncoding('br;q=0, gzip;q=0', ['br', 'gzip'])).toBeNull();
  expect(pickEncoding('*', ['br', 'gzip'])).toBe('br');
  expect(pickEncoding('identity', ['br', 'gzip'])).toBeNull();
  expect(pickEncoding('gzip', [])).toBeNull();
});

test('the web app manifest: Vietnamese name, standalone, start URL, theme colour, SVG and 192/512 PNG icons', async () => {
  const res = await fetch(`${base}/manifest.webmanifest`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
  const m = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(m).toMatchObject({ lang: 'vi', display: 'standalone', start_url: '/', scope: '/', theme_color: '#0b6e4f' });
  expect(m.name).toContain('chợ');
  const html = await (await fetch(`${base}/`)).text();
  expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest">');
  expect(html).toContain(`<meta name="theme-color" content="${m.theme_color}">`);

  const icons = m.icons as { src: string; sizes: string; type: string; purpose: string }[];
  expect(icons.some((i) => i.type === 'image/svg+xml' && i.sizes === 'any')).toBe(true);
  for (const size of [192, 512]) {
    const icon = icons.find((i) => i.sizes === `${size}x${size}` && i.purpose === 'any')!;
    const png = await raw(icon.src);
    expect([icon.src, png.status, png.headers['content-type']]).toEqual([icon.src, 200, 'image/png']);
    // A real PNG of that size: signature, IHDR width × height, RGB rows that inflate to exactly that many bytes.
    expect(png.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.body.readUInt32BE(16), png.body.readUInt32BE(20)]).toEqual([size, size]);
    const idatLength = png.body.readUInt32BE(33);
    expect(png.body.subarray(37, 41).toString('ascii')).toBe('IDAT');
    expect(inflateSync(png.body.subarray(41, 41 + idatLength)).length).toBe((size * 3 + 1) * size);
  }
  const svg = await raw('/icon.svg');
  expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
  expect(svg.body.toString()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
});

test('the service worker: at the root, never cached by HTTP, versioned by the shell, and /api left to the network', async () => {
  const res = await raw('/sw.js');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/javascript/);
  expect(res.headers['cache-control']).toBe('no-cache');
  const sw = res.body.toString('utf8');
  const html = await (await fetch(`${base}/vendor`)).text();
  // The shell it keeps is the shell the pages link to, at these versions.
  const js = /src="(\/app\.js\?v=[0-9a-f]{16})"/.exec(html)![1]!;
  const css = /href="(\/app\.css\?v=[0-9a-f]{16})"/.exec(html)![1]!;
  for (const url of [js, css, '/manifest.webmanifest', '/icon-192.png', '/icon-512.png', '/icon.svg', '"/vendor"']) {
    expect([url, sw.includes(url)]).toEqual([url, true]);
  }
  expect(sw).toMatch(/const CACHE = 'marketqr-shell-[0-9a-f]{16}'/);
  // Money is never served from a cache: /api/* is passed over before any respondWith.
  expect(sw).toContain("if (url.pathname.startsWith('/api/')) return;");
  expect(sw.indexOf("startsWith('/api/')")).toBeLessThan(sw.indexOf('respondWith'));
  // It parses as a script.
  expect(() => new Function(sw)).not.toThrow();
});

test('a new deploy is a new service worker: its cache is named after the shell it keeps', async () => {
  const [a, b] = await Promise.all([
    buildWebAssets({ js: 'console.log("deploy 1")', hash: '1111111111111111' }),
    buildWebAssets({ js: 'console.log("deploy 2")', hash: '2222222222222222' }),
  ]);
  expect(a.version).not.toBe(b.version);
  const [swA, swB] = [a.sw.body.toString(), b.sw.body.toString()];
  expect(swA).toContain(`marketqr-shell-${a.version}`);
  expect(swB).toContain(`marketqr-shell-${b.version}`);
  expect(swA).toContain(`/app.js?v=${a.js.hash}`);
  expect(swB).toContain(`/app.js?v=${b.js.hash}`);
  // The old worker's cache is deleted when the new one activates.
  expect(swB).toMatch(/k\.startsWith\('marketqr-shell-'\) && k !== CACHE/);
});

test('an event stream is neither compressed nor held back when the browser accepts gzip and br', async () => {
  streamClosed = false;
  const stream = await new Promise<{ res: IncomingMessage; close: () => void }>((resolve, reject) => {
    const req = request(
      `${base}/api/ledger/stalls/s1/payments/stream?access_token=t`,
      { headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' } },
      (res) => resolve({ res, close: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
  expect(stream.res.headers['content-type']).toBe('text/event-stream');
  expect(stream.res.headers['content-encoding']).toBeUndefined();
  let text = '';
  stream.res.setEncoding('utf8');
  stream.res.on('data', (c: string) => (text += c));
  // The first event is readable as text while the upstream still holds the stream open.
  await waitFor(() => text.includes('"p1"'), { what: 'the first event, uncompressed' });
  releaseSecond();
  await waitFor(() => text.includes('"p2"'), { what: 'the second event' });
  stream.close();
  await waitFor(() => streamClosed, { what: 'the upstream stream to close' });
});

describe('several replicas of a service', () => {
  /** A stand-in replica: answers with its own name, and an event stream that it can cut (as a crash would). */
  interface Replica {
    name: string;
    server: Server;
    url: string;
    hits: Seen[];
    streams: ServerResponse[];
  }
  const replicas: Replica[] = [];
  let rweb: RunningService;
  let rbase: string;
  let unready = false;

  async function replica(name: string, port = 0): Promise<Replica> {
    const r = { name, hits: [] as Seen[], streams: [] as ServerResponse[] } as Replica;
    r.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        if (req.url === '/readyz') {
          res.writeHead(unready && name === 'b' ? 503 : 200).end();
          return;
        }
        r.hits.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url!.startsWith('/stalls/s1/payments/stream')) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const from = Number(req.headers['last-event-id'] ?? 0);
          res.write(`id: ${from + 1}\nevent: payment\ndata: {"replica":"${name}"}\n\n`);
          r.streams.push(res);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ replica: name, body }));
      });
    });
    await new Promise<void>((ok) => r.server.listen(port, '127.0.0.1', ok));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    replicas.push(r);
    return r;
  }
  const close = (r: Replica) =>
    new Promise<void>((ok) => {
      r.server.closeAllConnections();
      r.server.close(() => ok());
    });

  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    a = await replica('a');
    b = await replica('b');
    const config = loadConfig(webConfigShape, {
      PORT: '0',
      LOG_LEVEL: 'silent',
      PAYMENT_LEDGER_URL: `${a.url}, ${b.url}`,
      WEB_UPSTREAM_PROBE_MS: '100',
      WEB_UPSTREAM_COOLDOWN_MS: '300',
    });
    expect(config.PAYMENT_LEDGER_URL).toEqual([a.url, b.url]);
    rweb = await startWeb(config, createLogger('web', 'silent'));
    await rweb.ready;
    rbase = `http://127.0.0.1:${rweb.port}`;
  });
  afterAll(async () => {
    await rweb?.stop();
    await Promise.all(replicas.map((r) => close(r).catch(() => undefined)));
  });

  const who = async (path = '/stalls/s1/today', init?: RequestInit) => {
    const res = await fetch(`${rbase}/api/ledger${path}`, init);
    expect(res.status).toBe(200);
    return ((await res.json()) as { replica: string; body: string }).replica;
  };

  test('the lists are validated: every entry an http(s) URL, none twice, a single URL as before', () => {
    expect(() => loadConfig(webConfigShape, { QR_GENERATION_URL: 'http://127.0.0.1:1,ftp://x' })).toThrow(
      /QR_GENERATION_URL.*http\(s\) URL/s,
    );
    expect(() => loadConfig(webConfigShape, { QR_GENERATION_URL: 'http://127.0.0.1:1,not a url' })).toThrow(
      /QR_GENERATION_URL/,
    );
    expect(() => loadConfig(webConfigShape, { SETTLEMENT_URL: 'http://h:1,http://h:1/' })).toThrow(/listed twice/);
    expect(loadConfig(webConfigShape, {}).PAYMENT_LEDGER_URL).toEqual(['http://127.0.0.1:4103']);
    expect(loadConfig(webConfigShape, { SETTLEMENT_URL: 'http://h:1,' }).SETTLEMENT_URL).toEqual(['http://h:1']);
  });

  test('round-robin across the replicas', async () => {
    const seenBy = [];
    for (let i = 0; i < 6; i++) seenBy.push(await who());
    expect(seenBy.filter((n) => n === 'a')).toHaveLength(3);
    expect(seenBy.filter((n) => n === 'b')).toHaveLength(3);
  });

  test('a replica that refuses connections: every request, a POST with its body too, is answered by the other', async () => {
    const port = new URL(b.url).port;
    await close(b);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${rbase}/api/ledger/webhooks/bank-sim`, { method: 'POST', body: `{"n":${i}}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ replica: 'a', body: `{"n":${i}}` });
    }
    // Back on the same port: taken into the rotation again once its readiness probe answers and its pause is over.
    b = await replica('b', Number(port));
    await waitFor(async () => ((await who()) === 'b' ? true : undefined), { what: 'b back in the rotation' });
  });

  test('a replica that is not ready gets no requests until it is', async () => {
    unready = true;
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 4; i++) expect(await who()).toBe('a');
    unready = false;
    await waitFor(async () => ((await who()) === 'b' ? true : undefined), { what: 'b ready again' });
  });

  test('an event stream cut by its replica is cut for the browser, which reconnects to the other with its token', async () => {
    const open = async (lastEventId: string) => {
      const res = await fetch(`${rbase}/api/ledger/stalls/s1/payments/stream`, {
        headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
      });
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      return { reader, text: new TextDecoder().decode(value) };
    };
    const first = await open('41');
    const served = /"replica":"(\w)"/.exec(first.text)![1]!;
    expect(first.text).toContain('id: 42');
    const [dying, other] = served === 'a' ? [a, b] : [b, a];
    // The replica dies: its sockets are destroyed mid-stream.
    dying.streams.forEach((s) => s.socket?.destroy());
    await expect(
      (async () => {
        for (;;) if ((await first.reader.read()).done) return 'ended';
      })(),
    ).rejects.toThrow();
    await close(dying);
    // The reconnect (EventSource sends Last-Event-ID) reaches the live replica, whichever is next in turn.
    const again = await open('42');
    expect(again.text).toContain(`"replica":"${other.name}"`);
    expect(again.text).toContain('id: 43');
    expect(other.hits[other.hits.length - 1]!.headers['last-event-id']).toBe('42');
    await again.reader.cancel();
  });
});
