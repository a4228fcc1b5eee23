import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { bankGatewayResource, createBankGateway } from '@marketqr/bank-gateway';
import { authConfigFrom, createTokenVerifier } from '@marketqr/auth';
import { createLease } from '@marketqr/mongo';
import { checkAll, productionSecrets, rule } from '@marketqr/service-kit';
import type { ServiceDefinition } from '@marketqr/service-runtime';
import { accessControl } from './access';
import { batchesRouter, batchRoutes } from './batches/batches.http';
import { chargeRoutes, chargesRouter } from './charges/charges.http';
import { ChargesService } from './charges/charges.service';
import { configShape } from './config';
import { cutoffScheduler } from './cutoff/cutoff.scheduler';
import { CutoffService } from './cutoff/cutoff.service';
import { createEventOutbox, createSettlementConsumer } from './events';
import { MarketSettings } from './fees/market-settings.service';
import { feeRoutes, feesRouter } from './fees/fees.http';
import { lineRoutes, linesRouter } from './lines/lines.http';
import { merchantEventHandlers } from './merchants/merchant-events.consumer';
import { SettlementMetrics } from './metrics';
import { paymentEventBatchHandlers, paymentEventHandlers } from './payments/payment-events.consumer';
import { PayoutService } from './payouts/payout.service';
import { payoutWorker } from './payouts/payout.worker';
import { reconciliationRouter, reconciliationRoutes } from './reconciliation/reconciliation.http';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { registerModels } from './store/models';

/**
 * settlement: per-stall per-business-day settlement lines from payment events, fees and market charges, the daily
 * cut-off into payout batches, payouts through the bank gateway, and reconciliation with the bank's statement.
 * Started by main.ts; tests start the same definition in-process.
 */
export const definition: ServiceDefinition<typeof configShape> = {
  name: 'settlement',
  version: '0.1.0',
  defaultPort: 4104,
  configShape,
  setup: ({ config, logger, kafka, db, topicPrefix }) => {
    // Every problem named in one failed start.
    const [authConfig, secrets] = checkAll(
      () => authConfigFrom(config),
      () =>
        productionSecrets(config.NODE_ENV, {
          BANK_API_KEY: { value: config.BANK_API_KEY, development: 'development' },
        }),
      rule(
        config.PAYOUT_RETRY_MAX_MS >= config.PAYOUT_RETRY_BASE_MS,
        'PAYOUT_RETRY_MAX_MS: must not be below PAYOUT_RETRY_BASE_MS',
      ),
    );
    if (authConfig.usingDevelopmentSecret)
      logger.warn('JWT_SECRET not set: using the development secret (never in production)');
    const access = accessControl(createTokenVerifier(authConfig));

    const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const models = registerModels(db);
    const metrics = new SettlementMetrics();
    const { outbox, relay } = createEventOutbox({ kafka, db, logger, topicPrefix });
    const consumer = createSettlementConsumer({
      kafka,
      db,
      logger,
      topicPrefix,
      handlers: { ...paymentEventHandlers(models), ...merchantEventHandlers(models) },
      batchHandlers: paymentEventBatchHandlers(models),
    });
    const gateway = createBankGateway({
      baseUrl: config.BANK_BASE_URL,
      apiKey: secrets.values.BANK_API_KEY,
      timeoutMs: config.BANK_TIMEOUT_MS,
      retry: { maxAttempts: config.BANK_RETRY_ATTEMPTS, baseDelayMs: config.BANK_RETRY_BASE_MS },
      breaker: { resetTimeoutMs: config.BANK_BREAKER_RESET_MS },
      logger,
    });
    const bank = bankGatewayResource(gateway);

    const settings = new MarketSettings(models);
    const charges = new ChargesService(models);
    // The worker is created below; cut-offs and re-issues wake it through this indirection.
    let nudge = () => undefined as void;
    const cutoff = new CutoffService({
      models,
      outbox,
      settings,
      charges,
      metrics,
      logger,
      owner,
      staleMs: config.SETTLEMENT_CLOSING_STALE_MS,
      onLinesReady: () => nudge(),
    });
    const payouts = new PayoutService({
      models,
      outbox,
      gateway,
      metrics,
      logger,
      policy: {
        maxFailures: config.PAYOUT_MAX_FAILURES,
        retryBaseMs: config.PAYOUT_RETRY_BASE_MS,
        retryMaxMs: config.PAYOUT_RETRY_MAX_MS,
        reissueQuietMs: 2 * config.BANK_TIMEOUT_MS,
      },
      onDue: () => nudge(),
    });
    const worker = payoutWorker({
      lease: createLease(db, {
        collection: 'worker_leases',
        name: 'settlement-payout-worker',
        owner,
        ttlMs: config.PAYOUT_LEASE_MS,
        logger,
      }),
      payouts,
      cutoff,
      gateway,
      logger,
      pollMs: config.PAYOUT_POLL_MS,
      concurrency: config.PAYOUT_CONCURRENCY,
      stopGraceMs: config.PAYOUT_STOP_GRACE_MS,
    });
    nudge = () => worker.nudge();
    const scheduler = cutoffScheduler({
      models,
      cutoff,
      logger,
      cutoffTime: config.SETTLEMENT_CUTOFF,
      pollMs: config.SETTLEMENT_SCHEDULER_POLL_MS,
      catchupDays: config.SETTLEMENT_CATCHUP_DAYS,
    });
    const reconciliation = new ReconciliationService({
      models,
      gateway,
      settings,
      operatingAccount: config.BANK_OPERATING_ACCOUNT ?? null,
    });

    return {
      routes: [...batchRoutes, ...lineRoutes, ...feeRoutes, ...chargeRoutes, ...reconciliationRoutes],
      mount: (app, registry) => {
        metrics.bind(registry.registry, models);
        relay.bindMetrics(registry.registry);
        consumer.bindMetrics(registry.registry);
        bank.bindMetrics(registry.registry);
        app.use(batchesRouter({ models, access, cutoff }));
        app.use(linesRouter({ models, access, payouts }));
        app.use(feesRouter({ settings, access }));
        app.use(chargesRouter({ models, charges, access }));
        app.use(reconciliationRouter({ reconciliation, access }));
      },
      // Stopped in reverse: the worker first (no new payouts), the gateway last (payouts in flight keep their
      // connection), the relay after the worker (events it staged are still published).
      resources: [bank, relay, consumer, ...(config.SETTLEMENT_SCHEDULER ? [scheduler] : []), worker],
    };
  },
};
