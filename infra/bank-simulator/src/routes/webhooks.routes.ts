import { z } from 'zod';
import { bankError } from '../support/errors';
import { parseOr400 } from '../support/validation';
import type { WebhookDelivery } from '../webhooks/dispatcher';
import { WEBHOOK_PROVIDERS } from '../webhooks/formats';
import type { SimulatorArea } from './area';

export const retryPolicySchema = z.strictObject({
  delaysMs: z.array(z.number().int().min(0).max(600_000)).min(1).max(20).optional(),
  maxAttempts: z.number().int().min(1).max(50).optional(),
  jitter: z.number().min(0).max(1).optional(),
  timeoutMs: z.number().int().min(50).max(60_000).optional(),
});

export const webhookEndpointSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  url: z.url({ protocol: /^https?$/ }),
  provider: z.enum(WEBHOOK_PROVIDERS).default('bank-sim'),
  secret: z.string().min(1).max(512),
  accounts: z
    .array(z.string().regex(/^\d{6,19}$/))
    .nullable()
    .optional(),
  retry: retryPolicySchema.optional(),
});

/** The per-credit options every way of booking a credit accepts (incoming transfers, shopper payments). */
export const notifyFields = {
  /** Deliver twice on purpose. */
  duplicate: z.boolean().optional(),
  /** Extra copies (each delivered and retried on its own); wins over `duplicate`. */
  duplicates: z.number().int().min(0).max(10).optional(),
  /** Hold the first attempt back this long. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /** Format override for this credit (signed with each endpoint's own secret). */
  provider: z.enum(WEBHOOK_PROVIDERS).optional(),
};

export function notifyOptions(body: {
  duplicate?: boolean;
  duplicates?: number;
  delayMs?: number;
  provider?: (typeof WEBHOOK_PROVIDERS)[number];
}) {
  return {
    duplicates: body.duplicates ?? (body.duplicate ? 1 : 0),
    delayMs: body.delayMs,
    provider: body.provider,
  };
}

const deliveryQuery = z.object({
  status: z.enum(['scheduled', 'in_flight', 'delivered', 'parked', 'cancelled']).optional(),
  transactionId: z.string().max(40).optional(),
  endpointId: z.string().max(40).optional(),
});

/** A delivery with the link its status can be read at (what the shopper's app returns). */
export function deliveryLink(d: WebhookDelivery) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    provider: d.provider,
    copy: d.copy,
    status: d.status,
    href: `/__admin/webhook-deliveries/${d.id}`,
  };
}

/**
 * Webhooks from the bank to MarketQR: which endpoints hear about which collection accounts, and every delivery with
 * its attempts. Admin routes: never faulted, never in the request log, no API key.
 */
export const webhooksArea: SimulatorArea = {
  name: 'webhooks',
  routes: [
    { method: 'get', path: '/__admin/webhooks', summary: 'Webhook endpoints (secrets never shown)', tags: ['admin'] },
    {
      method: 'post',
      path: '/__admin/webhooks',
      summary:
        "Add a webhook endpoint {url, provider: bank-sim|sepay|casso, secret, accounts?, id?, retry?}; an existing id's is replaced",
      tags: ['admin'],
    },
    { method: 'delete', path: '/__admin/webhooks', summary: 'Remove every webhook endpoint', tags: ['admin'] },
    {
      method: 'delete',
      path: '/__admin/webhooks/:id',
      summary: 'Remove a webhook endpoint; its unfinished deliveries are cancelled',
      tags: ['admin'],
    },
    {
      method: 'get',
      path: '/__admin/webhook-deliveries',
      summary: 'Deliveries with their attempts (?status=&transactionId=&endpointId=) and counts by status',
      tags: ['admin'],
    },
    { method: 'get', path: '/__admin/webhook-deliveries/:id', summary: 'One delivery', tags: ['admin'] },
    {
      method: 'post',
      path: '/__admin/webhook-deliveries/:id/redeliver',
      summary: 'Send a delivery again now with a fresh attempt budget (a parked one once the receiver is back)',
      tags: ['admin'],
    },
  ],
  mount(app, state) {
    app.get('/__admin/webhooks', (_req, res) => {
      res.json({ webhooks: state.webhooks.listEndpoints() });
    });
    app.post('/__admin/webhooks', (req, res) => {
      const body = parseOr400(webhookEndpointSchema, req.body);
      res.status(201).json(state.webhooks.addEndpoint(body));
    });
    app.delete('/__admin/webhooks', (_req, res) => {
      for (const e of state.webhooks.listEndpoints()) state.webhooks.removeEndpoint(e.id);
      res.json({ webhooks: [] });
    });
    app.delete('/__admin/webhooks/:id', (req, res) => {
      if (!state.webhooks.removeEndpoint(String(req.params.id))) {
        throw bankError('WEBHOOK_NOT_FOUND', `no webhook ${req.params.id}`, 404);
      }
      res.json({ removed: req.params.id });
    });
    app.get('/__admin/webhook-deliveries', (req, res) => {
      const filter = parseOr400(deliveryQuery, req.query);
      res.json({ deliveries: state.webhooks.list(filter), counts: state.webhooks.counts() });
    });
    app.get('/__admin/webhook-deliveries/:id', (req, res) => {
      const d = state.webhooks.get(String(req.params.id));
      if (!d) throw bankError('DELIVERY_NOT_FOUND', `no webhook delivery ${req.params.id}`, 404);
      res.json(d);
    });
    app.post('/__admin/webhook-deliveries/:id/redeliver', (req, res) => {
      res.json(state.webhooks.redeliver(String(req.params.id)));
    });
  },
};
