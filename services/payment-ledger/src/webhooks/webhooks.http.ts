import { Router, type Request } from 'express';
import { paymentLedgerRoutes as routes, type RouteSpec } from '@marketqr/contracts';
import { isDomainError, type Logger } from '@marketqr/service-kit';
import type { Provider } from '../config';
import type { LedgerMetrics } from '../metrics';
import { malformed } from './errors';
import { ADAPTERS, parseJson } from './providers';
import type { WebhookService } from './webhook.service';

export const WEBHOOK_PATH = '/webhooks';

/**
 * The three webhook endpoints' specs, by provider. They document each bank's format; the body is not parsed by them:
 * the adapters (providers.ts) read it after the signature over the raw bytes checked out, with the webhooks' own
 * error codes (and no work added to this hot path).
 */
const SPECS: Record<Provider, RouteSpec> = {
  'bank-sim': routes.bankSimWebhook,
  sepay: routes.sepayWebhook,
  casso: routes.cassoWebhook,
};

export const webhookRoutes = [routes.bankSimWebhook, routes.sepayWebhook, routes.cassoWebhook];

const SIGNATURE_HEADERS: Record<Provider, string[]> = {
  'bank-sim': ['x-marketqr-timestamp', 'x-marketqr-signature'],
  sepay: ['x-sepay-timestamp', 'x-sepay-signature'],
  casso: ['x-casso-signature'],
};

/**
 * The three webhook endpoints. Order matters and is the same for each: the raw body (size-limited before this runs),
 * then signature and timestamp window, then parsing and validation, then storage, then the 200. Nothing a request
 * says is trusted or stored before its signature checks out, and a 2xx always means "stored" (or "already stored").
 */
export function webhooksRouter(deps: {
  webhooks: WebhookService;
  secrets: Record<Provider, string>;
  toleranceSeconds: number;
  metrics: LedgerMetrics;
  logger: Logger;
}): Router {
  const r = Router();
  const route = (provider: Provider) => async (req: Request, res: import('express').Response) => {
    const adapter = ADAPTERS[provider];
    const count = (result: string) => deps.metrics.webhooks.inc({ provider, result });
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const incoming = { headers: req.headers, rawBody: raw };
      const parsedForAuth = adapter.authenticate(incoming, {
        secret: deps.secrets[provider],
        nowMs: Date.now(),
        toleranceSeconds: deps.toleranceSeconds,
      });
      const body = parsedForAuth ?? parseJson(raw);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed('body is not a JSON object');
      const notification = adapter.normalise(body);
      const signature: Record<string, string> = {};
      for (const h of SIGNATURE_HEADERS[provider]) {
        const v = req.headers[h];
        if (typeof v === 'string') signature[h] = v;
      }
      const stored = await deps.webhooks.store(notification, raw, signature);
      count(stored.duplicate ? 'duplicate' : stored.ignored ? 'ignored_outgoing' : 'stored');
      res.status(200).json(adapter.reply({ duplicate: stored.duplicate }));
    } catch (err) {
      if (isDomainError(err)) {
        count(err.code);
        if (err.status === 401) deps.logger.warn({ provider, code: err.code, ip: req.ip }, 'webhook refused');
      } else count('error');
      throw err;
    }
  };
  for (const provider of Object.keys(SPECS) as Provider[]) r.post(SPECS[provider].path, route(provider));
  return r;
}
