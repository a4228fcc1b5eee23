import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { withDeadline, type Resource } from '@marketqr/service-kit';
import { ensureTopics, type TopicRequest } from './kafka';

/**
 * The service's Kafka connection as a lifecycle resource: on start it connects an admin client and creates the topics
 * the service owns; `/readyz` asks the cluster to describe itself, with a short deadline.
 */
export function kafkaResource(opts: {
  kafka: Kafka;
  logger: Logger;
  topics: TopicRequest[];
  topicPrefix?: string;
  checkDeadlineMs?: number;
}): Resource & { admin: () => Admin } {
  let admin: Admin | undefined;
  return {
    name: 'kafka',
    admin: () => {
      if (!admin) throw new Error('kafka resource not started');
      return admin;
    },
    async start() {
      const a = opts.kafka.admin();
      try {
        await a.connect();
        const created = await ensureTopics(a, opts.topics, opts.topicPrefix);
        if (created.length) opts.logger.info({ topics: created }, 'kafka topics created');
        admin = a;
      } catch (err) {
        await a.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async stop() {
      await admin?.disconnect();
      admin = undefined;
    },
    async check() {
      if (!admin) throw new Error('not connected');
      const cluster = await withDeadline(admin.describeCluster(), opts.checkDeadlineMs ?? 1_500, 'kafka');
      if (cluster.brokers.length === 0) throw new Error('no broker in cluster metadata');
    },
  };
}
