import { z } from 'zod';
import { bankRoute } from '../http/bank-route';
import { bankError } from '../support/errors';
import { parseOr400 } from '../support/validation';
import type { SimulatorArea } from './area';

const payoutBody = z.strictObject({
  toBin: z.string(),
  toAccount: z.string(),
  amount: z
    .number()
    .refine((n) => Number.isSafeInteger(n) && n > 0, 'amount must be a positive integer number of đồng'),
  description: z.string().min(1).max(140),
  sourceAccount: z.string().optional(),
});
const KEY_SHAPE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Transfers out (NAPAS 247), idempotent by the `Idempotency-Key` header, and their status. */
export const payoutsArea: SimulatorArea = {
  name: 'payouts',
  routes: [
    {
      method: 'post',
      path: '/v1/payouts',
      summary:
        'Transfer to {toBin, toAccount}; Idempotency-Key required. Same key + same body → the original payout ' +
        '(header Idempotent-Replayed: true); same key + other body → 409 IDEMPOTENCY_KEY_REUSED (operation payout)',
      tags: ['bank'],
    },
    {
      method: 'get',
      path: '/v1/payouts/by-key/:idempotencyKey',
      summary: 'A payout by the idempotency key it was sent with (operation payout_status)',
      tags: ['bank'],
    },
    {
      method: 'get',
      path: '/v1/payouts/:payoutId',
      summary: 'A payout by id (operation payout_status)',
      tags: ['bank'],
    },
  ],
  mount(app, state) {
    app.post(
      '/v1/payouts',
      bankRoute(state, 'payout', (req) => {
        const key = req.get('idempotency-key');
        if (!key) throw bankError('IDEMPOTENCY_KEY_REQUIRED', 'a payout needs an Idempotency-Key header', 400);
        if (!KEY_SHAPE.test(key)) {
          throw bankError('INVALID_REQUEST', 'Idempotency-Key must be 8-128 of [A-Za-z0-9._:-]', 400);
        }
        const body = parseOr400(payoutBody, req.body);
        const { record, replayed } = state.payouts.submit(key, body, state.now());
        return {
          status: replayed ? 200 : 201,
          body: record,
          headers: replayed ? { 'Idempotent-Replayed': 'true' } : undefined,
        };
      }),
    );

    app.get(
      '/v1/payouts/by-key/:idempotencyKey',
      bankRoute(state, 'payout_status', (req) => {
        const record = state.payouts.byIdempotencyKey(String(req.params.idempotencyKey));
        if (!record) throw bankError('PAYOUT_NOT_FOUND', 'no payout was made with this idempotency key', 404);
        return { status: 200, body: record };
      }),
    );

    app.get(
      '/v1/payouts/:payoutId',
      bankRoute(state, 'payout_status', (req) => {
        const record = state.payouts.byPayoutId(String(req.params.payoutId));
        if (!record) throw bankError('PAYOUT_NOT_FOUND', `no payout ${req.params.payoutId}`, 404);
        return { status: 200, body: record };
      }),
    );
  },
};
