import mongoose, { type Connection } from 'mongoose';
import { runService } from '@marketqr/service-runtime';
import type { Logger, RunningService } from '@marketqr/service-kit';
import { testInfra } from '@marketqr/test-harness';
import { createDefinition } from '../src/service';

/**
 * market-insights in this process on the test infrastructure, with its own database and topic prefix, and a
 * connection to that database for the test to look at what it stored. Shared by the flow and report tests.
 */
export async function startInsights(opts: {
  clock: () => Date;
  dbName: string;
  prefix: string;
  jwtSecret: string;
  payerSalt: string;
  logger: Logger;
  env?: Record<string, string>;
}): Promise<{ svc: RunningService; base: string; db: Connection }> {
  const { kafkaBrokers, mongoUrl } = testInfra();
  const svc = await runService(createDefinition({ clock: opts.clock }), {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      KAFKA_BROKERS: kafkaBrokers.join(','),
      MONGO_URL: mongoUrl,
      MONGO_DB: opts.dbName,
      KAFKA_TOPIC_PREFIX: opts.prefix,
      JWT_SECRET: opts.jwtSecret,
      INSIGHTS_PAYER_SALT: opts.payerSalt,
      ...opts.env,
    },
    logger: opts.logger,
  });
  await svc.ready;
  const db = await mongoose.createConnection(mongoUrl, { dbName: opts.dbName }).asPromise();
  return { svc, base: `http://127.0.0.1:${svc.port}`, db };
}
