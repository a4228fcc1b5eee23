import express from 'express';
import { bankGatewayResource, createBankGateway } from '@marketqr/bank-gateway';
import {
  createTokenIssuer,
  createTokenVerifier,
  hashSecret,
  LoginGuard,
  authConfigFrom,
  MongoLoginAttemptStore,
} from '@marketqr/auth';
import { createOutboxWithRelay } from '@marketqr/messaging';
import { checkAll, productionSecrets } from '@marketqr/service-kit';
import type { ServiceDefinition } from '@marketqr/service-runtime';
import { accessControl } from './access';
import { jwksRouter, jwksRoutes } from './auth/jwks.http';
import { loginRouter, loginRoutes } from './auth/login.http';
import { bankRoutes, banksRouter } from './banks.http';
import { configShape } from './config';
import { marketsRouter, marketRoutes } from './markets/markets.http';
import { ensureAdmin } from './users/bootstrap-admin';
import { registerModels } from './store/models';
import { StallService } from './stalls/stall.service';
import { stallRoutes, stallsRouter } from './stalls/stalls.http';
import { verificationWorker } from './verification/verification.worker';

/**
 * merchant-onboarding: markets, zones, stalls, vendors, logins (it issues the JWTs every service verifies), payout
 * accounts verified by bank name inquiry, and each stall's virtual account. Emits merchant.* events.
 */
export const definition: ServiceDefinition<typeof configShape> = {
  name: 'merchant-onboarding',
  version: '0.1.0',
  defaultPort: 4101,
  configShape,
  setup: ({ config, logger, kafka, db, topicPrefix }) => {
    // Every problem named in one failed start.
    const [authConfig, secrets] = checkAll(
      () => authConfigFrom(config, { issuer: true }),
      () =>
        productionSecrets(config.NODE_ENV, {
          BANK_API_KEY: { value: config.BANK_API_KEY, development: 'development' },
        }),
    );
    if (authConfig.usingDevelopmentSecret)
      logger.warn('JWT_SECRET not set: using the development secret (never in production)');
    const issuer = createTokenIssuer(authConfig);
    const verifier = createTokenVerifier(authConfig);
    const access = accessControl(verifier);

    const models = registerModels(db);
    const { outbox, relay } = createOutboxWithRelay({ kafka, db, logger, topicPrefix });
    const gateway = createBankGateway({
      baseUrl: config.BANK_BASE_URL,
      apiKey: secrets.values.BANK_API_KEY,
      timeoutMs: config.BANK_TIMEOUT_MS,
      breaker: { resetTimeoutMs: config.BANK_BREAKER_RESET_MS },
      logger,
    });
    const bank = bankGatewayResource(gateway);
    const stalls = new StallService(models, outbox, gateway, logger, {
      verifyRetryBaseMs: config.VERIFY_RETRY_BASE_MS,
      backdatedDays: config.BACKDATED_ONBOARDING_DAYS,
    });
    const worker = verificationWorker({ stalls, logger, pollMs: config.VERIFY_POLL_MS });
    const guard = new LoginGuard(new MongoLoginAttemptStore(db), {
      maxFailures: config.LOGIN_MAX_FAILURES,
      windowMs: config.LOGIN_WINDOW_MS,
      lockoutMs: config.LOGIN_LOCKOUT_MS,
      maxLockoutMs: Math.max(config.LOGIN_LOCKOUT_MS, config.LOGIN_MAX_LOCKOUT_MS),
      attackThreshold: config.LOGIN_ATTACK_THRESHOLD,
    });

    return {
      routes: [...loginRoutes, ...jwksRoutes, ...bankRoutes, ...marketRoutes, ...stallRoutes],
      mount: (app, metrics) => {
        relay.bindMetrics(metrics.registry);
        bank.bindMetrics(metrics.registry);
        app.use(jwksRouter(authConfig));
        app.use(express.Router().use(loginRouter({ models, issuer, guard, hash: hashSecret, outbox, logger })));
        app.use(banksRouter());
        app.use(marketsRouter({ models, access, hashPassword: hashSecret }));
        app.use(stallsRouter({ stalls, models, access, hashPin: hashSecret, logger }));
      },
      resources: [
        {
          name: 'admin-bootstrap',
          start: () => ensureAdmin(models, config.ADMIN_USERNAME, config.ADMIN_PASSWORD, logger),
          stop: async () => undefined,
          check: async () => undefined,
        },
        relay,
        worker,
        bank,
      ],
    };
  },
};
