import mongoose, { type Connection, type ConnectOptions } from 'mongoose';
import type { Logger } from 'pino';
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
export function mongoResource(opts: MongoOptions): Resource & { connection: Connection } {
  const connection = mongoose.createConnection();
  const log = opts.logger.child({ component: 'mongo', db: opts.dbName });
  connection.on('disconnected', () => log.warn('mongo disconnected'));
  connection.on('reconnected', () => log.info('mongo reconnected'));

  return {
    name: 'mongo',
    connection,
    async start() {
      await connection.openUri(opts.url, {
        dbName: opts.dbName,
        autoIndex: false,
        autoCreate: true,
        // Fail fast while starting (the service runner retries), and notice a server that came back within seconds.
        serverSelectionTimeoutMS: 5_000,
        heartbeatFrequencyMS: 2_000,
        ...opts.connectOptions,
      });
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
