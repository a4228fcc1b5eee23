import { z } from 'zod';
import { portSchema } from '@marketqr/service-kit';

/**
 * A service's upstream(s): one base URL, or several replicas of the same service as a comma-separated list
 * (`http://127.0.0.1:4103,http://127.0.0.1:4203`). Each must be an absolute http(s) URL; duplicates are refused, since
 * a replica listed twice would silently get twice the share of the traffic.
 */
export const upstreamList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected an http(s) URL'),
        )
        .min(1, 'expected at least one URL')
        .refine(
          // Element checks do not stop this one from running: an unparsable entry is left to its own message.
          (us) => new Set(us.map((u) => (URL.canParse(u) ? new URL(u).href : u))).size === us.length,
          'a URL is listed twice',
        ),
    );

/**
 * The web server's settings. Every upstream defaults to where `npm start` runs it, so `node dist/main.js` just works
 * next to a running stack; tests point each one at a service started on a free port.
 */
export const webConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: portSchema(4100),
  MERCHANT_ONBOARDING_URL: upstreamList('http://127.0.0.1:4101'),
  QR_GENERATION_URL: upstreamList('http://127.0.0.1:4102'),
  PAYMENT_LEDGER_URL: upstreamList('http://127.0.0.1:4103'),
  SETTLEMENT_URL: upstreamList('http://127.0.0.1:4104'),
  MARKET_INSIGHTS_URL: upstreamList('http://127.0.0.1:4105'),
  /** The bank simulator; only its shopper routes (`/shopper/*`) are reachable through the web app. */
  BANK_SIMULATOR_URL: upstreamList('http://127.0.0.1:4199'),
  /** Upper bound on an ordinary proxied request; event streams are exempt. */
  WEB_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * Services given as several replicas: how often each replica's `/readyz` is asked (a replica is sent requests only
   * while it answers ready), and how long one that refused or reset a connection is skipped.
   */
  WEB_UPSTREAM_PROBE_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  WEB_UPSTREAM_COOLDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
};
export type WebConfig = { [K in keyof typeof webConfigShape]: z.infer<(typeof webConfigShape)[K]> };
