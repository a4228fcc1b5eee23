import { Router, type Request } from 'express';
import { isDomainError, type Logger, type RouteDoc } from '@marketqr/service-kit';
import type { Provider } from '../config';
import type { LedgerMetrics } from '../metrics';
import { malformed } from './errors';
import { ADAPTERS, parseJson } from './providers';
import type { WebhookService } from './webhook.service';

export const WEBHOOK_PATH = '/webhooks';

export const webhookRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/webhooks/bank-sim',
    summary:
      'Bank simulator notification (X-MarketQR-Timestamp, X-MarketQR-Signature: sha256=HMAC(secret, ts.rawBody)) → {ok, duplicate}',
    tags: ['webhooks'],
  },
  {
    method: 'post',
    path: '/webhooks/sepay',
    summary: 'SePay notification (X-SePay-Timestamp, X-SePay-Signature: sha256=HMAC(secret, ts.rawBody)) → {success}',
    tags: ['webhooks'],
  },
  {
    method: 'post',
    path: '/webhooks/casso',
    summary: 'Casso webhook v2 (X-Casso-Signature: t=<ms>,v1=HMAC-SHA512(key, t.JSON(sorted body))) → {success}',
    tags: ['webhooks'],
  },
];

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
  r.post(`${WEBHOOK_PATH}/bank-sim`, route('bank-sim'));
  r.post(`${WEBHOOK_PATH}/sepay`, route('sepay'));
  r.post(`${WEBHOOK_PATH}/casso`, route('casso'));
  return r;
}
