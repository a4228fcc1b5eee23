import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { topicsOwnedBy } from '@marketqr/contracts';
import { createKafka, kafkaResource } from '@marketqr/messaging';
import { defaultDbName, mongoResource } from '@marketqr/mongo';
import {
  baseConfigShape,
  checkAll,
  createLogger,
  loadConfig,
  portSchema,
  startService,
  systemClock,
  type BodyReader,
  type Clock,
  type Logger,
  type Metrics,
  type Resource,
  type ApiRoute,
  type RunningService,
} from '@marketqr/service-kit';

export const runtimeConfigShape = {
  ...baseConfigShape,
  /** Overrides the service's database name (default `marketqr_<service>`). Tests give each run its own. */
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/)
    .optional(),
  KAFKA_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('warn'),
};

/** The settings every service has, whatever it adds. */
export type RuntimeConfig = z.infer<z.ZodObject<typeof runtimeConfigShape>> & { PORT: number };

export interface ServiceContext<C> {
  config: RuntimeConfig & C;
  logger: Logger;
  kafka: Kafka;
  /** The service's own database. Register models on it in `setup`; indexes are created at start. */
  db: Connection;
  topicPrefix: string;
  /** The service's time source: the system clock, or one a test moves (expiries, cut-offs). */
  clock: Clock;
}

export interface ServiceParts {
  routes?: readonly ApiRoute[];
  mount?: (app: Express, metrics: Metrics) => void;
  /** Routes that read their own body before the JSON parser (signed webhooks: the signature is over the bytes). */
  bodyReaders?: BodyReader[];
  /** Started after the database and Kafka, stopped before them (consumers, relays, sweepers). */
  resources?: Resource[];
}

export interface ServiceDefinition<S extends z.ZodRawShape = Record<string, never>> {
  name: string;
  version: string;
  defaultPort: number;
  /** The service's own settings on top of the shared ones. */
  configShape?: S;
  setup?: (ctx: ServiceContext<z.infer<z.ZodObject<S>>>) => ServiceParts | Promise<ServiceParts>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Exit on SIGTERM/SIGINT (the real process); off for in-process tests. */
  handleSignals?: boolean;
  logger?: Logger;
  /** The time source handed to the service (tests pass an OffsetClock). Default: the system clock. */
  clock?: Clock;
}

/**
 * Validates the configuration (fails fast, naming every bad variable), then starts the HTTP server, the service's own
 * database connection, its Kafka topics and whatever the service adds. `/readyz` reflects Kafka and the database live.
 */
export async function runService<S extends z.ZodRawShape>(
  def: ServiceDefinition<S>,
  opts: RunOptions = {},
): Promise<RunningService & { config: RuntimeConfig & z.infer<z.ZodObject<S>> }> {
  const config = readConfig(def, opts.env ?? process.env);
  const logger = opts.logger ?? createLogger(def.name, config.LOG_LEVEL);

  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `marketqr-${def.name}`,
    logger,
    kafkaLogLevel: config.KAFKA_LOG_LEVEL,
  });
  const mongo = mongoResource({ url: config.MONGO_URL, dbName: config.MONGO_DB ?? defaultDbName(def.name), logger });
  const topics = topicsOwnedBy(def.name).map((t) => ({ name: t.name, partitions: t.partitions }));
  const kafkaRes = kafkaResource({ kafka, logger, topics, topicPrefix: config.KAFKA_TOPIC_PREFIX });

  const parts =
    (await def.setup?.({
      config,
      logger,
      kafka,
      db: mongo.connection,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      clock: opts.clock ?? systemClock,
    })) ?? {};

  const running = await startService({
    name: def.name,
    version: def.version,
    host: config.HOST,
    port: config.PORT,
    logger,
    resources: [mongo, kafkaRes, ...(parts.resources ?? [])],
    routes: parts.routes,
    mount: (app, metrics) => {
      mongo.registerMetrics(metrics.registry);
      parts.mount?.(app, metrics);
    },
    bodyReaders: parts.bodyReaders,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handleSignals: opts.handleSignals,
  });
  return Object.assign(running, { config });
}

/** Shared and service-specific settings, validated together so one error message names every bad variable. */
function readConfig<S extends z.ZodRawShape>(def: ServiceDefinition<S>, env: NodeJS.ProcessEnv) {
  const [shared, own] = checkAll(
    () => loadConfig({ ...runtimeConfigShape, PORT: portSchema(def.defaultPort) }, env),
    () => loadConfig(def.configShape ?? ({} as S), env),
  );
  return { ...shared, ...own } as RuntimeConfig & z.infer<z.ZodObject<S>>;
}

/** The body of every service's `main.ts`: run, or print why the configuration is wrong and exit 1. */
export function main<S extends z.ZodRawShape>(def: ServiceDefinition<S>): void {
  runService(def, { handleSignals: true }).catch((err: Error) => {
    process.stderr.write(`${def.name} failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
