import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { passBodyThrough, type BodyReader, type Logger } from '@marketqr/service-kit';

/** One `/api/<name>/*` prefix and the service it forwards to. */
export interface Upstream {
  /** The path segment after `/api/` (`onboarding`, `qr` …). */
  name: string;
  /** Base URL of the service. */
  target: string;
  /** When set, only paths matching it are forwarded (the bank simulator: the shopper's app only). */
  allow?: RegExp;
}

/** Headers that describe one connection, not the message: never forwarded in either direction (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/**
 * The services' operational routes (metrics with payment counts and money totals, readiness details, the route map)
 * stay on the services' own ports, for the operator's network and Prometheus: never on the public origin.
 */
const OPERATIONAL = /^\/(?:metrics|readyz|healthz|openapi\.json)\/?$/;

/**
 * Registered before the JSON parser for `/api`: the parser leaves these bodies unread, and the proxy pipes the bytes
 * on unchanged (a re-serialised body would break a signature computed over the sent bytes, and would answer a
 * malformed or oversized body with the web app's error instead of the service's).
 */
export const proxyBodyReader: BodyReader = {
  path: '/api',
  handler: (req, _res, next) => {
    passBodyThrough(req);
    next();
  },
};

const problem = (res: Response, status: number, code: string, message: string, details?: unknown) => {
  if (res.headersSent) return void res.destroy();
  res.status(status).json({ error: { code, message, ...(details === undefined ? {} : { details }) } });
};

/**
 * A reverse proxy for one upstream, mounted with `app.use('/api/<name>', …)` (Express strips the prefix).
 *
 * `?access_token=` becomes `Authorization: Bearer …`, because a browser cannot set headers on an `EventSource` or on a
 * plain link to a PDF or a CSV. It is removed from the URL the service sees, so tokens stay out of its logs.
 *
 * Responses are streamed as they arrive: an event stream is written through chunk by chunk (no buffering, no
 * timeout), and closing the browser's side closes the upstream request.
 */
export function proxyTo(upstream: Upstream, opts: { logger: Logger; timeoutMs: number }): RequestHandler {
  const base = new URL(upstream.target);
  return (req: Request, res: Response) => {
    const incoming = new URL(req.url, 'http://web.invalid');
    if (OPERATIONAL.test(incoming.pathname) || (upstream.allow && !upstream.allow.test(incoming.pathname))) {
      return problem(res, 404, 'WEB.NOT_PROXIED', `/api/${upstream.name}${incoming.pathname} is not exposed`);
    }
    const headers = forwardable(req.headers);
    const token = incoming.searchParams.get('access_token');
    if (token && !headers.authorization) headers.authorization = `Bearer ${token}`;
    incoming.searchParams.delete('access_token');
    headers['x-forwarded-for'] = req.ip ?? '';
    headers['x-forwarded-host'] = req.get('host') ?? '';
    headers['x-forwarded-proto'] = req.protocol;

    const basePath = base.pathname.replace(/\/$/, '');
    const upstreamReq = httpRequest({
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      method: req.method,
      path: `${basePath}${incoming.pathname}${incoming.search}`,
      headers,
    });

    let streaming = false;
    const timer = setTimeout(() => {
      if (streaming) return;
      upstreamReq.destroy(new Error('upstream timeout'));
      problem(res, 504, 'WEB.UPSTREAM_TIMEOUT', `${upstream.name} did not answer in ${opts.timeoutMs} ms`);
    }, opts.timeoutMs);

    upstreamReq.on('response', (up: IncomingMessage) => {
      const type = String(up.headers['content-type'] ?? '');
      streaming = type.startsWith('text/event-stream');
      if (streaming) clearTimeout(timer);
      res.status(up.statusCode ?? 502);
      for (const [k, v] of Object.entries(forwardable(up.headers))) res.setHeader(k, v);
      if (streaming) {
        // Nothing between here and the browser may hold events back.
        res.setHeader('X-Accel-Buffering', 'no');
        res.setHeader('Cache-Control', 'no-cache, no-transform');
        req.socket.setTimeout(0);
        req.socket.setNoDelay(true);
        res.flushHeaders();
      }
      up.on('end', () => clearTimeout(timer));
      up.on('error', () => res.destroy());
      up.pipe(res);
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (res.writableEnded || res.destroyed) return;
      opts.logger.warn({ upstream: upstream.name, err: err.message }, 'upstream request failed');
      problem(res, 502, 'WEB.UPSTREAM_UNAVAILABLE', `${upstream.name} is not reachable`, {
        service: upstream.name,
      });
    });
    // The browser went away (tab closed, EventSource closed): stop the upstream request too.
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) upstreamReq.destroy();
    });

    // The body goes on byte for byte, as the browser (or a bank) sent it: `/api` is exempt from the JSON parser (see
    // `proxyBodyReader`), so a signature over the bytes still verifies and the service's own limits and codes apply.
    req.pipe(upstreamReq);
  };
}

/** The `/api/*` map: which prefix reaches which service. */
export function upstreamsOf(c: {
  MERCHANT_ONBOARDING_URL: string;
  QR_GENERATION_URL: string;
  PAYMENT_LEDGER_URL: string;
  SETTLEMENT_URL: string;
  MARKET_INSIGHTS_URL: string;
  BANK_SIMULATOR_URL: string;
}): Upstream[] {
  return [
    { name: 'onboarding', target: c.MERCHANT_ONBOARDING_URL },
    { name: 'qr', target: c.QR_GENERATION_URL },
    { name: 'ledger', target: c.PAYMENT_LEDGER_URL },
    { name: 'settlement', target: c.SETTLEMENT_URL },
    { name: 'insights', target: c.MARKET_INSIGHTS_URL },
    // The simulator also plays the bank's own API and an admin surface: neither belongs in a browser.
    { name: 'bank', target: c.BANK_SIMULATOR_URL, allow: /^\/shopper\// },
  ];
}
