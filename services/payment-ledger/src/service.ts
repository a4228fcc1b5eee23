import { authConfigFrom, createTokenVerifier } from '@marketqr/auth';
import { checkAll, KeyedMutex } from '@marketqr/service-kit';
import type { ServiceDefinition } from '@marketqr/service-runtime';
import { accessControl } from './access';
import { configShape, ledgerSecrets } from './config';
import { correctionRoutes, correctionsRouter } from './corrections/corrections.http';
import { CorrectionService } from './corrections/corrections.service';
import { createEventOutbox, createLedgerConsumer } from './events';
import { Ledger } from './ledger/ledger';
import { paymentStreamRouter, streamRoutes } from './live/payments-stream.http';
import { PaymentStreams } from './live/payment-streams';
import { ledgerEventHandlers } from './consumers/incoming-events.consumer';
import { InboxProcessor } from './matching/inbox.processor';
import { Projections } from './matching/projections';
import { bindLedgerMetrics, createLedgerMetrics } from './metrics';
import { qrPaymentRoutes, qrPaymentRouter } from './statements/qr-payment.http';
import { statementRoutes, statementsRouter } from './statements/statements.http';
import { registerModels } from './store/models';
import { rawBodyReader } from './webhooks/raw-body';
import { WEBHOOK_PATH, webhookRoutes, webhooksRouter } from './webhooks/webhooks.http';
import { WebhookService } from './webhooks/webhook.service';

/**
 * payment-ledger: signed bank notifications in (the inbox), matched to stalls and QRs, posted to a double-entry
 * journal with hash-chained accounts; reversals and reallocations; live payment streams for vendors.
 * Started by main.ts; tests start the same definition in-process.
 */
export const definition: ServiceDefinition<typeof configShape> = {
  name: 'payment-ledger',
  version: '0.1.0',
  defaultPort: 4103,
  configShape,
  setup: ({ config, logger, kafka, db, topicPrefix, clock }) => {
    // Every problem named in one failed start.
    const [authConfig, ledgerKeys] = checkAll(
      () => authConfigFrom(config),
      () => ledgerSecrets(config),
    );
    if (authConfig.usingDevelopmentSecret)
      logger.warn('JWT_SECRET not set: using the development secret (never in production)');
    const { webhooks: secrets, payerHashKey, defaulted } = ledgerKeys;
    if (defaulted.length)
      logger.warn({ variables: defaulted }, 'secrets not set: using development values (never in production)');

    const metrics = createLedgerMetrics();
    const models = registerModels(db);
    const { outbox, relay } = createEventOutbox({ kafka, db, logger, topicPrefix });
    const ledger = new Ledger(models, outbox, logger, metrics, {
      maxItems: config.LEDGER_BATCH_MAX_ITEMS,
      maxWaitMs: config.LEDGER_BATCH_WAIT_MS,
    });
    const projections = new Projections(models, config.COLLECTION_ACCOUNTS, logger);
    const processor = new InboxProcessor({
      models,
      projections,
      ledger,
      logger,
      metrics,
      clock,
      options: {
        holdMs: config.MATCH_HOLD_MS,
        graceMs: config.INBOX_GRACE_MS,
        pollMs: config.INBOX_POLL_MS,
        concurrency: config.PROCESSOR_CONCURRENCY,
        orderCodePattern: new RegExp(config.ORDER_CODE_PATTERN, 'gi'),
        payerHashKey,
        plausibility: (provider) => ({
          maxAmount: config.PLAUSIBLE_MAX_AMOUNTS[provider],
          maxClockSkewMs: config.PLAUSIBLE_CLOCK_SKEW_MS,
          maxPastMs: (config.BACKDATED_BANK_TIME_DAYS[provider] ?? 0) * 86_400_000,
        }),
      },
    });
    const webhooks = new WebhookService(models, processor, logger, {
      graceMs: config.INBOX_GRACE_MS,
      postWaitMs: config.WEBHOOK_POST_WAIT_MS,
      batch: { maxItems: config.INBOX_BATCH_MAX_ITEMS, maxWaitMs: config.INBOX_BATCH_WAIT_MS },
    });
    const streams = new PaymentStreams(models, logger, metrics, {
      pollMs: config.SSE_POLL_MS,
      heartbeatMs: config.SSE_HEARTBEAT_MS,
      writers: db.collection('ledger_writers'),
    });
    ledger.onPosted((p) => streams.notify(p));
    const corrections = new CorrectionService(models, ledger, projections, logger);
    const access = accessControl(createTokenVerifier(authConfig), projections);
    const consumer = createLedgerConsumer({
      kafka,
      db,
      logger,
      topicPrefix,
      handlers: ledgerEventHandlers({ projections, processor, ledger, mutex: new KeyedMutex(), logger }),
    });

    return {
      bodyReaders: [{ path: WEBHOOK_PATH, handler: rawBodyReader(config.WEBHOOK_MAX_BODY_BYTES) }],
      routes: [...webhookRoutes, ...streamRoutes, ...statementRoutes, ...qrPaymentRoutes, ...correctionRoutes],
      mount: (app, registry) => {
        bindLedgerMetrics(metrics, registry.registry);
        relay.bindMetrics(registry.registry);
        consumer.bindMetrics(registry.registry);
        app.use(
          webhooksRouter({ webhooks, secrets, toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS, metrics, logger }),
        );
        app.use(paymentStreamRouter({ streams, access }));
        app.use(statementsRouter({ models, ledger, access }));
        app.use(qrPaymentRouter({ models }));
        app.use(correctionsRouter({ corrections, models, access }));
      },
      // The relay first (events are published as they are stored), then what writes: the consumer, the processor
      // and the sweeper; live streams last. Stopped in reverse.
      resources: [
        relay,
        consumer,
        processor.resource(),
        ledger.sweeper({ intervalMs: config.LEDGER_SWEEP_MS, olderThanMs: config.LEDGER_PENDING_AFTER_MS }),
        streams.resource(),
      ],
    };
  },
};
