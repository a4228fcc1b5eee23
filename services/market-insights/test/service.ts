import type { Kafka } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { topicsConsumedBy } from '@marketqr/contracts';
import { topicOffsets } from '@marketqr/messaging';
import { runService } from '@marketqr/service-runtime';
import type { Logger, RunningService } from '@marketqr/service-kit';
import { testInfra, serviceTestEnv } from '@marketqr/test-harness';
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
  const { mongoUrl } = testInfra();
  const svc = await runService(createDefinition({ clock: opts.clock }), {
    env: {
      ...serviceTestEnv({ dbName: opts.dbName, topicPrefix: opts.prefix }),
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

/**
 * How far the service's consumer group has committed, summed over the topics it reads, and where those topics end:
 * progress to wait on while it handles a phase of events. Offsets are committed only once their events are handled
 * (and, where the consumer keeps them, recorded), so reaching the end means every event produced so far is in.
 */
export function consumerProgress(kafka: Kafka, prefix: string) {
  const admin = kafka.admin();
  const topics = topicsConsumedBy('market-insights').map((t) => prefix + t.name);
  const groupId = `${prefix}marketqr.market-insights`;
  const sum = (xs: { offset?: string; high?: string }[], k: 'offset' | 'high') =>
    xs.reduce((n, x) => n + Math.max(0, Number(x[k] ?? 0)), 0);
  return {
    async connect() {
      await admin.connect();
    },
    async committed(): Promise<number> {
      const groups = await admin.fetchOffsets({ groupId, topics });
      return groups.reduce((n, g) => n + sum(g.partitions, 'offset'), 0);
    },
    async end(): Promise<number> {
      let n = 0;
      for (const t of topics) n += sum(await topicOffsets(admin, t), 'high');
      return n;
    },
    disconnect: () => admin.disconnect(),
  };
}
