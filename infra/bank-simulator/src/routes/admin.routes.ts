import { z } from 'zod';
import { BANK_OPERATIONS, faultRuleSchema } from '../faults/faults';
import { parseOr400 } from '../support/validation';
import type { SimulatorArea } from './area';
import { deliveryLink, notifyFields, notifyOptions } from './webhooks.routes';

const faultsBody = z.union([
  faultRuleSchema,
  z.array(faultRuleSchema),
  z.strictObject({ rules: z.array(faultRuleSchema), append: z.boolean().optional() }),
]);

const accountBody = z.strictObject({
  bin: z.string(),
  accountNumber: z.string(),
  name: z.string().min(1).max(70).optional(),
  status: z.enum(['active', 'closed', 'missing']).default('active'),
  type: z.enum(['personal', 'business']).optional(),
});

const incomingBody = z.strictObject({
  toAccount: z.string(),
  amount: z.number(),
  description: z.string().min(1).max(140).optional(),
  fromBin: z.string().optional(),
  fromAccount: z.string().optional(),
  bookedAt: z.iso.datetime({ offset: true }).optional(),
  ...notifyFields,
});

/**
 * The test-and-demo controls, under `/__admin` so no bank route can collide with them. They are never subject to
 * faults and never appear in the request log: a test must be able to heal the bank it broke.
 */
export const adminArea: SimulatorArea = {
  name: 'admin',
  routes: [
    {
      method: 'get',
      path: '/__admin/faults',
      summary: 'Faults in force, with their current error rate',
      tags: ['admin'],
    },
    {
      method: 'post',
      path: '/__admin/faults',
      summary: 'Set faults: a rule, an array of rules, or {rules, append}. Replaces the current ones unless append',
      tags: ['admin'],
    },
    { method: 'delete', path: '/__admin/faults', summary: 'Clear every fault', tags: ['admin'] },
    {
      method: 'post',
      path: '/__admin/reset',
      summary:
        'Forget everything (ledger, payouts, virtual accounts, registered accounts, faults, request log, ' +
        'webhook deliveries, shoppers); webhooks and shoppers go back to those given at start',
      tags: ['admin'],
    },
    {
      method: 'get',
      path: '/__admin/requests',
      summary: 'Requests the bank routes saw (?operation=payout)',
      tags: ['admin'],
    },
    {
      method: 'post',
      path: '/__admin/accounts',
      summary: 'Register an account: a given holder name, or status closed/missing',
      tags: ['admin'],
    },
    {
      method: 'post',
      path: '/__admin/incoming-transfers',
      summary:
        "Book a transfer into a collection or stall's virtual account and notify the webhooks " +
        '(duplicate?, duplicates?, delayMs?, provider?)',
      tags: ['admin'],
    },
    { method: 'get', path: '/__admin/ledger', summary: 'Every booked transfer', tags: ['admin'] },
    { method: 'get', path: '/__admin/payouts', summary: 'Every payout, with its idempotency key', tags: ['admin'] },
  ],
  mount(app, state) {
    app.get('/__admin/faults', (_req, res) => {
      res.json({ rules: state.faults.view() });
    });
    app.post('/__admin/faults', (req, res) => {
      const body = parseOr400(faultsBody, req.body);
      const append = req.query.append === 'true' || ('rules' in body && body.append === true);
      const rules = Array.isArray(body) ? body : 'rules' in body ? body.rules : [body];
      res.json({ rules: state.faults.set(rules, append) });
    });
    app.delete('/__admin/faults', (_req, res) => {
      state.faults.clear();
      res.json({ rules: [] });
    });
    app.post('/__admin/reset', (_req, res) => {
      state.reset();
      res.json({ reset: true, seed: state.seed });
    });
    app.get('/__admin/requests', (req, res) => {
      const op = req.query.operation;
      const operation = BANK_OPERATIONS.find((o) => o === op);
      res.json({ requests: state.requests.list(operation ? { operation } : {}) });
    });
    app.post('/__admin/accounts', (req, res) => {
      const account = parseOr400(accountBody, req.body);
      state.accounts.register(account);
      res.status(201).json(account);
    });
    app.post('/__admin/incoming-transfers', (req, res) => {
      const body = parseOr400(incomingBody, req.body);
      const { transfer, deliveries } = state.credit({
        toAccount: body.toAccount,
        amount: body.amount,
        description: body.description,
        fromBin: body.fromBin,
        fromAccount: body.fromAccount,
        bookedAt: body.bookedAt ? new Date(body.bookedAt) : undefined,
        notify: notifyOptions(body),
      });
      res.status(201).json({ ...transfer, deliveries: deliveries.map(deliveryLink) });
    });
    app.get('/__admin/ledger', (_req, res) => {
      res.json({ transfers: state.ledger.all() });
    });
    app.get('/__admin/payouts', (_req, res) => {
      res.json({ payouts: state.payouts.all() });
    });
  },
};
