import { authConfigFrom, createTokenVerifier } from '@marketqr/auth';
import { checkAll, productionSecrets } from '@marketqr/service-kit';
import type { ServiceDefinition } from '@marketqr/service-runtime';
import { accessControl } from './access';
import { AlertEvaluator } from './alerts/alert-evaluator';
import { alertRoutes, alertsRouter } from './alerts/alerts.http';
import { AlertService } from './alerts/alerts.service';
import { configShape, DEVELOPMENT_PAYER_SALT } from './config';
import {
  batchHandlersFor,
  createInsightsConsumer,
  createProjections,
  handlersFor,
} from './projections/insights.consumer';
import { MonthlyReportService } from './reports/monthly';
import { reportRouter, reportRoutes } from './reports/report.http';
import { statsRouter, statsRoutes } from './stats/stats.http';
import { StatsService } from './stats/stats.service';
import { registerStore } from './store/models';

export interface InsightsOverrides {
  /** The time alerts are evaluated at and "today" defaults to; tests move it. */
  clock?: () => Date;
}

/**
 * market-insights: read models for market management built from every topic (adoption and payment statistics,
 * settlement totals), alerts for managers, CSV exports, the monthly report (PDF/CSV). Produces no events.
 */
export function createDefinition(overrides: InsightsOverrides = {}): ServiceDefinition<typeof configShape> {
  const clock = overrides.clock ?? (() => new Date());
  return {
    name: 'market-insights',
    version: '0.1.0',
    defaultPort: 4105,
    configShape,
    setup: ({ config, logger, kafka, db, topicPrefix }) => {
      // Every problem named in one failed start.
      const [authConfig, secrets] = checkAll(
        () => authConfigFrom(config),
        () =>
          productionSecrets(config.NODE_ENV, {
            INSIGHTS_PAYER_SALT: { value: config.INSIGHTS_PAYER_SALT, development: DEVELOPMENT_PAYER_SALT },
          }),
      );
      if (authConfig.usingDevelopmentSecret)
        logger.warn('JWT_SECRET not set: using the development secret (never in production)');
      const access = accessControl(createTokenVerifier(authConfig));

      if (secrets.defaulted.length) logger.warn('INSIGHTS_PAYER_SALT not set: using the development salt');

      const store = registerStore(db);
      const alerts = new AlertService(store);
      const stats = new StatsService(store);
      const reports = new MonthlyReportService(stats, alerts);
      const projections = createProjections({
        store,
        alerts,
        payerSalt: secrets.values.INSIGHTS_PAYER_SALT,
        settlementAlertFromAttempt: config.ALERT_SETTLEMENT_ATTEMPTS,
      });
      const consumer = createInsightsConsumer({
        kafka,
        db,
        logger,
        topicPrefix,
        handlers: handlersFor(projections),
        batchHandlers: batchHandlersFor(projections),
        concurrency: config.INSIGHTS_CONSUMER_CONCURRENCY,
      });
      const evaluator = new AlertEvaluator({
        store,
        alerts,
        logger,
        clock,
        intervalMs: config.ALERT_EVAL_INTERVAL_MS,
        historyDays: config.ALERT_HISTORY_DAYS,
        usualMinDays: config.ALERT_USUAL_MIN_DAYS,
        stoppedHours: config.ALERT_STOPPED_HOURS,
        profileTtlMs: config.ALERT_PROFILE_TTL_MS,
      });

      return {
        routes: [...statsRoutes, ...alertRoutes, ...reportRoutes],
        mount: (app, metrics) => {
          consumer.bindMetrics(metrics.registry);
          app.use(statsRouter({ stats, access, clock, maxRangeDays: config.STATS_MAX_RANGE_DAYS }));
          app.use(alertsRouter({ alerts, access, clock }));
          app.use(reportRouter({ reports, stats, access, clock }));
        },
        resources: [consumer, evaluator],
      };
    },
  };
}

export const definition = createDefinition();
