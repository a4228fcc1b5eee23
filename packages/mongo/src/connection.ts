import mongoose, { type Connection, type ConnectOptions } from 'mongoose';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import { withDeadline, type Resource } from '@marketqr/service-kit';

export interface MongoOptions {
  url: string;
  /** Each service owns one database; nobody else reads it. */
  dbName: string;
  logger: Logger;
  checkDeadlineMs?: number;
  connectOptions?: ConnectOptions;
}

/**
 * A mongoose connection (not the global one: tests run several services in one process) as a lifecycle resource.
 *
 * Models are registered on `connection` before `start()`. Indexes are created explicitly at start rather than by
 * mongoose's autoIndex, which swallows errors: a unique index that silently failed would let duplicates in.
 */
export function mongoResource(
  opts: MongoOptions,
): Resource & { connection: Connection; registerMetrics(registry: Registry): void } {
  const connection = mongoose.createConnection();
  // Every command's time by command and collection: on FerretDB, where a lookup scans its whole collection, this is
  // what shows which collection a throughput problem lives in.
  const commands = new Histogram({
    name: 'mongo_command_duration_seconds',
    help: 'Database commands by command name and collection, with their duration (server round trip included)',
    labelNames: ['command', 'collection', 'result'] as const,
    buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [],
  });
  const inFlight = new Map<number, string>();
  const log = opts.logger.child({ component: 'mongo', db: opts.dbName });
  connection.on('disconnected', () => log.warn('mongo disconnected'));
  connection.on('reconnected', () => log.info('mongo reconnected'));

  return {
    name: 'mongo',
    connection,
    registerMetrics: (registry) => registry.registerMetric(commands),
    async start() {
      await connection.openUri(opts.url, {
        dbName: opts.dbName,
        autoIndex: false,
        autoCreate: true,
        // Fail fast while starting (the service runner retries), and notice a server that came back within seconds.
        serverSelectionTimeoutMS: 5_000,
        heartbeatFrequencyMS: 2_000,
        monitorCommands: true,
        ...opts.connectOptions,
      });
      const client = connection.getClient();
      client.on('commandStarted', (e) => {
        const target = e.command[e.commandName];
        if (typeof target === 'string') inFlight.set(e.requestId, target);
      });
      const observe = (e: { requestId: number; commandName: string; duration: number }, result: string) => {
        const collection = inFlight.get(e.requestId) ?? '';
        inFlight.delete(e.requestId);
        commands.observe({ command: e.commandName, collection, result }, e.duration / 1000);
      };
      client.on('commandSucceeded', (e) => observe(e, 'ok'));
      client.on('commandFailed', (e) => observe(e, 'error'));
      for (const model of Object.values(connection.models)) {
        await model.createCollection().catch((e: { codeName?: string }) => {
          if (e.codeName !== 'NamespaceExists') throw e;
        });
        await model.createIndexes();
      }
      log.info({ models: Object.keys(connection.models) }, 'mongo connected');
    },
    async stop() {
      await connection.close();
    },
    async check() {
      const db = connection.db;
      if (!db || connection.readyState !== mongoose.ConnectionStates.connected) {
        throw new Error(`not connected (state ${mongoose.ConnectionStates[connection.readyState]})`);
      }
      await withDeadline(db.admin().command({ ping: 1 }), opts.checkDeadlineMs ?? 1_500, 'mongo');
    },
  };
}

/** The database name for a service: `marketqr_<service>` unless MONGO_DB overrides it. */
export const defaultDbName = (service: string) => `marketqr_${service.replace(/-/g, '_')}`;
