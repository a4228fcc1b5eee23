// A consumer in its own process, for the crash test: it reports each effect to the parent over IPC and, when told,
// freezes right after the Nth effect (before its processed record and offset commit) so the parent can SIGKILL it.
'use strict';
require('./register-ts');
const mongoose = require('mongoose');
const pino = require('pino');
const { createKafka, createEventConsumer, applyOnce } = require('../../src/index.ts');

const cfg = JSON.parse(process.env.CHILD_CONFIG);

async function main() {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL || 'silent' });
  const db = await mongoose.createConnection(cfg.mongoUrl, { dbName: cfg.dbName }).asPromise();
  const kafka = createKafka({ brokers: cfg.brokers, clientId: `child-${process.pid}`, logger });
  let applied = 0;
  const consumer = createEventConsumer({
    kafka,
    service: cfg.service,
    topics: [cfg.topic],
    topicPrefix: cfg.prefix,
    db,
    logger,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    commitEveryMessages: cfg.commitEveryMessages,
    handlers: {
      'payment.confirmed': async (event) => {
        // Not idempotent on purpose: counts how often the handler ran, redeliveries included.
        await db.collection('invocations').insertOne({ eventId: event.eventId, pid: process.pid });
        await applyOnce(db.collection('effects'), {
          filter: { _id: event.aggregateId },
          update: { $inc: { count: 1, total: event.data.amount } },
          eventId: event.eventId,
          upsert: true,
        });
        applied++;
        process.send({ applied: event.eventId });
        if (cfg.freezeAfter && applied >= cfg.freezeAfter) await new Promise(() => undefined);
      },
    },
  });
  await consumer.start();
  await consumer.joined(60_000);
  process.send({ joined: true });
  process.on('SIGTERM', () => {
    consumer
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`consumer-child: ${err.stack}\n`);
  process.exit(1);
});
