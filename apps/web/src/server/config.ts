import { z } from 'zod';
import { portSchema } from '@marketqr/service-kit';

/**
 * The web server's settings. Every upstream defaults to where `npm start` runs it, so `node dist/main.js` just works
 * next to a running stack; tests point each one at a service started on a free port.
 */
export const webConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: portSchema(4100),
  MERCHANT_ONBOARDING_URL: z.url().default('http://127.0.0.1:4101'),
  QR_GENERATION_URL: z.url().default('http://127.0.0.1:4102'),
  PAYMENT_LEDGER_URL: z.url().default('http://127.0.0.1:4103'),
  SETTLEMENT_URL: z.url().default('http://127.0.0.1:4104'),
  MARKET_INSIGHTS_URL: z.url().default('http://127.0.0.1:4105'),
  /** The bank simulator; only its shopper routes (`/shopper/*`) are reachable through the web app. */
  BANK_SIMULATOR_URL: z.url().default('http://127.0.0.1:4199'),
  /** Upper bound on an ordinary proxied request; event streams are exempt. */
  WEB_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
};
export type WebConfig = { [K in keyof typeof webConfigShape]: z.infer<(typeof webConfigShape)[K]> };
