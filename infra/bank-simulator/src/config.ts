import { z } from 'zod';
import { ConfigError, portSchema } from '@marketqr/service-kit';
import { faultRuleSchema } from './faults/faults';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type WebhookEndpointInput } from './webhooks/dispatcher';
import { WEBHOOK_PROVIDERS } from './webhooks/formats';
import { DEFAULT_OPERATING_ACCOUNT, DEFAULT_PARTNER_BIN, DEFAULT_PORT } from './simulator';

/** `a, b,c` → ['a', 'b', 'c']; unset or empty → []. */
const splitList = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * The standalone simulator's environment. Everything has a default: `node dist/main.js` just runs. Secrets may come
 * from files: `BANK_SIM_WEBHOOK_SECRET_FILE=/run/secrets/…` (read by loadConfig, trimmed).
 */
export const simulatorConfigShape = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BANK_SIM_HOST: z.string().default('127.0.0.1'),
  BANK_SIM_PORT: portSchema(DEFAULT_PORT),
  /** Seed for fault draws and ids; a random one is picked (and logged) when unset. */
  BANK_SIM_SEED: z.string().min(1).optional(),
  /** When set, bank routes require this `x-api-key`. */
  BANK_SIM_API_KEY: z.string().min(1).optional(),
  BANK_SIM_PARTNER_BIN: z
    .string()
    .regex(/^\d{6}$/)
    .default(DEFAULT_PARTNER_BIN),
  BANK_SIM_OPERATING_ACCOUNT: z
    .string()
    .regex(/^\d{6,19}$/)
    .default(DEFAULT_OPERATING_ACCOUNT),
  /** Faults in force from the start, as the JSON the admin API takes (a rule or an array of rules). */
  BANK_SIM_FAULTS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return [];
      try {
        const parsed: unknown = JSON.parse(s);
        return z.array(faultRuleSchema).parse(Array.isArray(parsed) ? parsed : [parsed]);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a fault rule (or array of them): ${(e as Error).message}` });
        return z.NEVER;
      }
    }),
  /** Where credits are notified; unset: no webhook until one is added with `POST /__admin/webhooks`. */
  BANK_SIM_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  BANK_SIM_WEBHOOK_PROVIDER: z.enum(WEBHOOK_PROVIDERS).default('bank-sim'),
  /** Required with BANK_SIM_WEBHOOK_URL (checked by `webhookFromConfig`). */
  BANK_SIM_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Comma-separated collection accounts the webhook covers; unset: every credit. */
  BANK_SIM_WEBHOOK_ACCOUNTS: z
    .string()
    .optional()
    .transform(splitList)
    .pipe(z.array(z.string().regex(/^\d{6,19}$/, 'an account is 6 to 19 digits'))),
  /** Attempts per delivery before it is parked. */
  BANK_SIM_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(DEFAULT_RETRY_POLICY.maxAttempts),
  /** Comma-separated waits between attempts in ms; the last one repeats. */
  BANK_SIM_WEBHOOK_BACKOFF_MS: z
    .string()
    .optional()
    .transform(splitList)
    .transform((list) => list.map(Number))
    .pipe(z.array(z.number().int().min(0).max(600_000)).max(20)),
  /** One attempt's deadline in ms. */
  BANK_SIM_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(DEFAULT_RETRY_POLICY.timeoutMs),
};

export type SimulatorConfig = z.infer<z.ZodObject<typeof simulatorConfigShape>>;

/** The webhook endpoint and retry policy the environment describes. A URL without a secret is a configuration error. */
export function webhookFromConfig(config: SimulatorConfig): {
  webhooks: WebhookEndpointInput[];
  webhookRetry: Partial<RetryPolicy>;
} {
  const webhookRetry: Partial<RetryPolicy> = {
    maxAttempts: config.BANK_SIM_WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.BANK_SIM_WEBHOOK_TIMEOUT_MS,
    ...(config.BANK_SIM_WEBHOOK_BACKOFF_MS.length ? { delaysMs: config.BANK_SIM_WEBHOOK_BACKOFF_MS } : {}),
  };
  if (!config.BANK_SIM_WEBHOOK_URL) return { webhooks: [], webhookRetry };
  if (!config.BANK_SIM_WEBHOOK_SECRET) {
    throw new ConfigError('invalid configuration:\n  BANK_SIM_WEBHOOK_SECRET: required with BANK_SIM_WEBHOOK_URL', [
      'BANK_SIM_WEBHOOK_SECRET: required with BANK_SIM_WEBHOOK_URL',
    ]);
  }
  return {
    webhooks: [
      {
        id: 'env',
        url: config.BANK_SIM_WEBHOOK_URL,
        provider: config.BANK_SIM_WEBHOOK_PROVIDER,
        secret: config.BANK_SIM_WEBHOOK_SECRET,
        accounts: config.BANK_SIM_WEBHOOK_ACCOUNTS.length ? config.BANK_SIM_WEBHOOK_ACCOUNTS : null,
      },
    ],
    webhookRetry,
  };
}
