import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, isDomainError } from './errors';
import { runReadinessChecks, type ReadinessCheck } from './health';
import type { Metrics } from './metrics';
import { buildOpenApi, type ApiRoute } from './openapi';

export interface HttpAppOptions {
  service: string;
  version: string;
  logger: Logger;
  metrics: Metrics;
  readiness: () => ReadinessCheck[];
  /** Whether the service has finished starting (connected, topics created). `/readyz` is 503 until then. */
  started: () => boolean;
  routes?: readonly ApiRoute[];
  /** Largest JSON body accepted; larger ones get 413 `HTTP.BODY_TOO_LARGE`. */
  bodyLimit?: string;
  /** Body readers for routes that must see the bytes as sent (signed webhooks); see `BodyReader`. */
  bodyReaders?: BodyReader[];
}

/**
 * A body reader for one path, run before the JSON parser. A signature over the raw body cannot be checked once the
 * body is parsed (the bytes are gone), so such routes read it themselves (e.g. `express.raw`, into a Buffer); the
 * JSON parser then sees a request already read and leaves it alone.
 */
export interface BodyReader {
  path: string;
  handler: RequestHandler;
}

const PASS_THROUGH = Symbol('marketqr.passBodyThrough');

/**
 * For a body reader that leaves the body unread on purpose (a reverse proxy pipes the bytes on): the JSON parser then
 * skips the request instead of consuming the stream.
 */
export function passBodyThrough(req: Request): void {
  (req as Request & { [PASS_THROUGH]?: true })[PASS_THROUGH] = true;
}

function passesBodyThrough(req: Request): boolean {
  return (req as Request & { [PASS_THROUGH]?: true })[PASS_THROUGH] === true;
}

/**
 * The Express app every service starts from: JSON bodies, request logging and metrics, the operational routes, and the
 * one error middleware that maps errors to `{error: {code, message, details}}`. The service mounts its own routers with
 * `app.use(...)` and then calls `finish(app)` to add the 404 and error handlers last.
 */
export function createHttpApp(opts: HttpAppOptions): { app: Express; finish: (app: Express) => void } {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(requestLogging(opts.logger, opts.metrics));
  for (const reader of opts.bodyReaders ?? []) app.use(reader.path, reader.handler);
  const json = express.json({ limit: opts.bodyLimit ?? '100kb' });
  app.use((req, res, next) => (passesBodyThrough(req) ? next() : json(req, res, next)));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: opts.service, uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    if (!opts.started()) {
      res.status(503).json({ ready: false, service: opts.service, checks: {}, reason: 'starting' });
      return;
    }
    const report = await runReadinessChecks(opts.readiness());
    res.status(report.ready ? 200 : 503).json({ service: opts.service, ...report });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', opts.metrics.registry.contentType);
    res.send(await opts.metrics.registry.metrics());
  });
  const openapi = buildOpenApi({ title: `MarketQR ${opts.service}`, version: opts.version }, opts.routes ?? []);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const finish = (a: Express) => {
    a.use((req, _res, next) => next(new AppError('HTTP.NOT_FOUND', `no route for ${req.method} ${req.path}`, 404)));
    a.use(errorMiddleware(opts.logger, opts.metrics));
  };
  return { app, finish };
}

function requestLogging(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route pattern keeps metric cardinality bounded; unmatched paths are grouped.
      const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequests.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics') return;
      logger.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'http request',
      );
    });
    next();
  };
}

/** Body-parser and Express errors that carry a status: map them to stable codes instead of a 500. */
function fromHttpLayer(err: { type?: string; status?: number; message?: string }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('HTTP.BODY_TOO_LARGE', 'request body is too large', 413);
    case 'entity.parse.failed':
      return new AppError('HTTP.MALFORMED_JSON', 'request body is not valid JSON', 400);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('HTTP.UNSUPPORTED_ENCODING', err.message ?? 'unsupported encoding', 415);
    default:
      if (err.status && err.status >= 400 && err.status < 500) {
        return new AppError('HTTP.BAD_REQUEST', err.message ?? 'bad request', err.status);
      }
      return undefined;
  }
}

/**
 * A dependency that is down (the database or the broker) is the caller's "try again later", not a bug: 503 with
 * Retry-After, so clients and load balancers retry instead of reporting an internal error.
 */
const DEPENDENCY_DOWN =
  /^(MongoServerSelectionError|MongooseServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoNotConnectedError|MongoTopologyClosedError|KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound)$/;

function fromDependency(err: { name?: string }, depth = 0): AppError | undefined {
  if (!err || typeof err !== 'object' || depth > 3) return undefined;
  // A bulk write (insertMany) that lost its connection throws MongoBulkWriteError with the network error inside, as
  // `errorResponse` (seen under `stress-ng`: a demo-seed approval answered 500 instead of 503); causes are looked at too.
  const inner =
    (err as { errorResponse?: unknown; cause?: unknown }).errorResponse ?? (err as { cause?: unknown }).cause;
  if (inner instanceof Error && inner !== err) {
    const wrapped = fromDependency(inner, depth + 1);
    if (wrapped) return wrapped;
  }
  // By name, and by the classes it descends from: the driver has subclasses of MongoNetworkError (a pool cleared
  // because its monitor timed out on a starved machine: PoolClearedOnNetworkError) whose own names differ.
  let down = !!err.name && DEPENDENCY_DOWN.test(err.name);
  for (let proto = Object.getPrototypeOf(err); !down && proto; proto = Object.getPrototypeOf(proto)) {
    down = DEPENDENCY_DOWN.test((proto as { constructor?: { name?: string } }).constructor?.name ?? '');
  }
  return down ? new AppError('SERVICE.UNAVAILABLE', 'a dependency is unavailable; try again shortly', 503) : undefined;
}

function errorMiddleware(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const dependency = fromDependency(err as { name?: string });
    if (dependency) {
      logger.warn({ err: (err as Error).message, method: req.method, path: req.path }, 'dependency unavailable');
      res.set('Retry-After', '5');
    }
    // A domain error's kind decides the status (HTTP_STATUS_OF); an AppError carries its own.
    const known = isDomainError(err) ? err : (dependency ?? fromHttpLayer(err as { type?: string; status?: number }));
    const appErr = known ?? new AppError('INTERNAL', 'internal error', 500);
    if (!known) logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    metrics.httpErrors.inc({ code: appErr.code, status: String(appErr.status) });
    if (res.headersSent) return;
    // An error that says when to come back (a lockout, a rate limit) says it in the header clients and proxies read.
    const retryAfter = (appErr.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if ((appErr.status === 429 || appErr.status === 503) && typeof retryAfter === 'number' && retryAfter > 0) {
      res.set('Retry-After', String(Math.ceil(retryAfter)));
    }
    res.status(appErr.status).json({
      error: {
        code: appErr.code,
        message: appErr.message,
        ...(appErr.details !== undefined ? { details: appErr.details } : {}),
      },
    });
  };
}
