import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createHttpApp, type BodyReader } from './http';
import { createMetrics, type Metrics } from './metrics';
import type { ApiRoute } from './openapi';
import { backoffMs } from './backoff';

/**
 * Something a service depends on (a database connection, a Kafka client, a consumer). The runner starts resources in
 * order, retrying each until it comes up, asks them for readiness on `/readyz`, and stops them in reverse on shutdown.
 */
export interface Resource {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the dependency answers now; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export interface ServiceOptions {
  name: string;
  version: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  resources: Resource[];
  routes?: readonly ApiRoute[];
  /** Mount the service's routers. Called before the 404 and error handlers are added. */
  mount?: (app: Express, metrics: Metrics) => void;
  /** Runs once every resource has started (e.g. start consumers, sweepers). */
  afterStart?: () => Promise<void>;
  shutdownTimeoutMs: number;
  /** Exit the process on SIGTERM/SIGINT after a graceful stop. Off in tests that run a service in-process. */
  handleSignals?: boolean;
  bodyLimit?: string;
  /** Routes that read their own body before the JSON parser (signed webhooks). */
  bodyReaders?: BodyReader[];
}

export interface RunningService {
  app: Express;
  server: Server;
  port: number;
  metrics: Metrics;
  /** Resolves once every resource has started. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the HTTP server first (so `/healthz` answers and `/readyz` says "starting"), then the resources, each retried
 * with capped backoff: a service started before Kafka or the database comes up waits for them instead of crashing.
 */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { logger } = opts;
  const metrics = createMetrics(opts.name);
  let started = false;
  let stopping = false;

  const { app, finish } = createHttpApp({
    service: opts.name,
    version: opts.version,
    logger,
    metrics,
    routes: opts.routes,
    started: () => started && !stopping,
    readiness: () => opts.resources.map((r) => ({ name: r.name, check: () => r.check() })),
    bodyLimit: opts.bodyLimit,
    bodyReaders: opts.bodyReaders,
  });
  opts.mount?.(app, metrics);
  finish(app);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger.info({ host: opts.host, port }, 'http listening');

  const startedResources: Resource[] = [];
  const ready = (async () => {
    for (const r of opts.resources) {
      for (let attempt = 1; !stopping; attempt++) {
        try {
          await r.start();
          startedResources.push(r);
          logger.info({ resource: r.name }, 'resource started');
          break;
        } catch (err) {
          const delay = backoffMs(attempt + 1, { baseMs: 250, capMs: 10_000 });
          logger.warn(
            { resource: r.name, attempt, err: (err as Error).message, retryInMs: delay },
            'resource not up yet',
          );
          await sleep(delay);
        }
      }
    }
    if (stopping) return;
    await opts.afterStart?.();
    started = true;
    logger.info({ port }, 'service ready');
  })();

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      logger.info('shutting down: no new requests, draining');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ready.catch(() => undefined);
      for (const r of [...startedResources].reverse()) {
        try {
          await r.stop();
          logger.info({ resource: r.name }, 'resource stopped');
        } catch (err) {
          logger.warn({ resource: r.name, err: (err as Error).message }, 'resource did not stop cleanly');
        }
      }
      // Long-lived responses (SSE) must not hold the shutdown open.
      server.closeAllConnections();
      await closed;
      logger.info('stopped');
    })());

  if (opts.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: opts.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
        process.exit(1);
      }, opts.shutdownTimeoutMs);
      timer.unref();
      stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  return { app, server, port, metrics, ready, stop };
}
