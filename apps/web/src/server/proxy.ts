import {
  Agent,
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, RequestHandler, Response } from 'express';
import { passBodyThrough, type BodyReader, type Logger } from '@marketqr/service-kit';

/** One `/api/<name>/*` prefix and the service it forwards to. */
export interface Upstream {
  /** The path segment after `/api/` (`onboarding`, `qr` …). */
  name: string;
  /** Base URL of the service, or of each of its replicas (the same service, sharing its database and consumer group). */
  targets: string[];
  /** When set, only paths matching it are forwarded (the bank simulator: the shopper's app only). */
  allow?: RegExp;
}

/** One replica of an upstream and what the proxy knows of it. */
interface Replica {
  url: URL;
  /** Its last `/readyz` answered 200 (assumed at start, so the first requests are not held back by a probe). */
  ready: boolean;
  /** Refused or reset a connection: skipped until then, and until a probe finds it ready again. */
  skipUntil: number;
}

/**
 * The replicas of one service, round-robin. With one URL nothing here changes how a request is sent (no probes, no
 * skipping: the one replica is always tried). With several:
 *   - each replica's `/readyz` is asked every `probeMs`: one that is starting (it listens before its database and
 *     consumers are up, and would answer 5xx) or draining gets no new requests until it answers ready;
 *   - one that refused or reset a connection is skipped for `cooldownMs` (and until a probe finds it ready), so a
 *     killed replica costs one failed connect, not one per request;
 *   - when every replica is out by that knowledge they are all tried anyway: a wrong guess here must not turn into a
 *     502 while a replica could have answered.
 */
export class UpstreamPool {
  readonly replicas: Replica[];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    targets: string[],
    private readonly opts: { logger: Logger; probeMs?: number; cooldownMs?: number },
  ) {
    if (targets.length === 0) throw new Error(`no upstream for ${name}`);
    this.replicas = targets.map((t) => ({ url: new URL(t), ready: true, skipUntil: 0 }));
  }

  get replicated(): boolean {
    return this.replicas.length > 1;
  }

  /** The replicas to try for one request, in order: the next in turn that is usable first, the others as a fallback. */
  order(): Replica[] {
    if (!this.replicated) return this.replicas;
    const n = this.replicas.length;
    const start = this.cursor++ % n;
    const turn = [...this.replicas.slice(start), ...this.replicas.slice(0, start)];
    const now = Date.now();
    const usable = turn.filter((r) => r.ready && r.skipUntil <= now);
    return [...usable, ...turn.filter((r) => !usable.includes(r))];
  }

  failed(r: Replica, err: string): void {
    if (!this.replicated) return;
    if (r.ready || r.skipUntil <= Date.now()) {
      this.opts.logger.warn({ upstream: this.name, replica: r.url.origin, err }, 'upstream replica skipped');
    }
    r.ready = false;
    r.skipUntil = Date.now() + (this.opts.cooldownMs ?? 5_000);
  }

  private async probe(r: Replica): Promise<void> {
    const url = `${r.url.origin}${r.url.pathname.replace(/\/$/, '')}/readyz`;
    const ok = await fetch(url, {
      signal: AbortSignal.timeout(Math.min(2_000, (this.opts.probeMs ?? 1_000) * 2)),
    }).then(
      async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        return res.ok;
      },
      () => false,
    );
    if (ok !== r.ready) {
      this.opts.logger.info({ upstream: this.name, replica: r.url.origin, ready: ok }, 'upstream replica readiness');
    }
    r.ready = ok;
  }

  /** Starts the readiness probes (only for a replicated upstream). */
  start(): void {
    if (!this.replicated || this.timer) return;
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      void Promise.all(this.replicas.map((r) => this.probe(r))).finally(() => (running = false));
    }, this.opts.probeMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Connections to replicated upstreams are not kept alive: a kept-alive socket to a replica that was restarted fails
 * on its first write in a way that cannot be told apart from "the service got the request and died", and only the
 * clear case (the connection never opened) may be retried for a request that is not idempotent.
 */
const freshConnections = new Agent({ keepAlive: false });

/** Methods a second replica may be asked again even if the first one may have seen them (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

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
 *
 * Several replicas (see `UpstreamPool`): each request goes to one, round-robin. When a replica refuses the connection
 * (or the connection fails before it opened), nothing reached the service and the request goes to the next replica,
 * whatever its method; a connection reset after it opened and before any response byte is retried only for GET/HEAD/
 * OPTIONS, since a webhook or a cut-off may have been acted on (the caller retries those with its idempotency key).
 * An event stream is proxied from one replica; when that replica goes away the browser's side is ended (cleanly if
 * the replica ended it, cut if it died), and the EventSource reconnects through here, to a live replica, with its
 * Last-Event-ID: the ledger resumes from that token on any replica.
 */
export function proxyTo(
  upstream: Upstream,
  opts: { logger: Logger; timeoutMs: number; pool?: UpstreamPool },
): RequestHandler {
  const pool = opts.pool ?? new UpstreamPool(upstream.name, upstream.targets, { logger: opts.logger });
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

    const candidates = pool.order();
    let current: ClientRequest | undefined;
    let streaming = false;
    let settled = false; // a response started, the browser left, or the request timed out: no more attempts
    const timer = setTimeout(() => {
      if (streaming) return;
      settled = true;
      current?.destroy(new Error('upstream timeout'));
      problem(res, 504, 'WEB.UPSTREAM_TIMEOUT', `${upstream.name} did not answer in ${opts.timeoutMs} ms`);
    }, opts.timeoutMs);

    // With replicas, the body is kept until a response starts, so a second replica can be sent the same bytes.
    const body: Buffer[] = [];
    let bodyEnded = false;
    if (pool.replicated) {
      req.on('data', (c: Buffer) => {
        if (!settled) body.push(c);
        current?.write(c);
      });
      req.on('end', () => {
        bodyEnded = true;
        current?.end();
      });
    }

    const attempt = (i: number): void => {
      const replica = candidates[i]!;
      const base = replica.url;
      const basePath = base.pathname.replace(/\/$/, '');
      const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
      const upstreamReq = send({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        method: req.method,
        path: `${basePath}${incoming.pathname}${incoming.search}`,
        headers,
        ...(pool.replicated ? { agent: base.protocol === 'https:' ? false : freshConnections } : {}),
      });
      current = upstreamReq;
      let connected = false;
      upstreamReq.on('socket', (s) => {
        if (!s.connecting) connected = true;
        else s.once('connect', () => (connected = true));
      });

      upstreamReq.on('response', (up: IncomingMessage) => {
        settled = true;
        body.length = 0;
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
        // The replica died mid-answer (an event stream cut by a crash): the browser's side is cut too, so it
        // reconnects (through the pool, to another replica) instead of waiting on a stream that will never speak.
        up.on('error', (err: Error) => {
          if (!res.destroyed) pool.failed(replica, err.message);
          res.destroy();
        });
        up.on('close', () => {
          if (!up.complete && !res.destroyed) {
            pool.failed(replica, 'response cut');
            res.destroy();
          }
        });
        up.pipe(res);
      });
      upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
        if (settled || res.writableEnded || res.destroyed) return;
        pool.failed(replica, err.message);
        const retry = i + 1 < candidates.length && (!connected || (IDEMPOTENT.has(req.method) && isReset(err)));
        if (retry) {
          opts.logger.info(
            { upstream: upstream.name, replica: base.origin, err: err.message, connected },
            'upstream replica failed before answering; trying the next',
          );
          return attempt(i + 1);
        }
        clearTimeout(timer);
        opts.logger.warn({ upstream: upstream.name, err: err.message }, 'upstream request failed');
        problem(res, 502, 'WEB.UPSTREAM_UNAVAILABLE', `${upstream.name} is not reachable`, {
          service: upstream.name,
        });
      });

      // The body goes on byte for byte, as the browser (or a bank) sent it: `/api` is exempt from the JSON parser
      // (see `proxyBodyReader`), so a signature over the bytes still verifies and the service's own limits and codes
      // apply.
      if (!pool.replicated) {
        req.pipe(upstreamReq);
        return;
      }
      for (const c of body) upstreamReq.write(c);
      if (bodyEnded) upstreamReq.end();
    };

    // The browser went away (tab closed, EventSource closed): stop the upstream request too.
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) {
        settled = true;
        current?.destroy();
      }
    });
    attempt(0);
  };
}

/** A connection that the other side closed or reset (the request may have reached it). */
function isReset(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up';
}

/** The `/api/*` map: which prefix reaches which service. */
export function upstreamsOf(c: {
  MERCHANT_ONBOARDING_URL: string[];
  QR_GENERATION_URL: string[];
  PAYMENT_LEDGER_URL: string[];
  SETTLEMENT_URL: string[];
  MARKET_INSIGHTS_URL: string[];
  BANK_SIMULATOR_URL: string[];
}): Upstream[] {
  return [
    { name: 'onboarding', targets: c.MERCHANT_ONBOARDING_URL },
    { name: 'qr', targets: c.QR_GENERATION_URL },
    { name: 'ledger', targets: c.PAYMENT_LEDGER_URL },
    { name: 'settlement', targets: c.SETTLEMENT_URL },
    { name: 'insights', targets: c.MARKET_INSIGHTS_URL },
    // The simulator also plays the bank's own API and an admin surface: neither belongs in a browser.
    { name: 'bank', targets: c.BANK_SIMULATOR_URL, allow: /^\/shopper\// },
  ];
}
