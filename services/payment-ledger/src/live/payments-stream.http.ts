import { Router } from 'express';
import { AppError, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { accounts } from '../domain/accounts';
import type { PaymentStreams } from './payment-streams';

export const streamRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/stalls/:merchantId/payments/stream',
    summary:
      'Server-Sent Events: each payment credited to the stall (event `payment`, id = the stall account seq); resume with Last-Event-ID or ?since=; a token past the last seq gets event `reset` and the stream restarts from now',
    tags: ['stalls'],
    auth: true,
  },
];

/** A resume token is a posting seq: a non-negative integer. `Last-Event-ID` (sent by EventSource on reconnect) wins. */
export function resumePoint(lastEventId: string | undefined, since: unknown): number | null {
  const raw = lastEventId?.trim() || (typeof since === 'string' ? since.trim() : undefined);
  if (raw === undefined || raw === '') return null;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new AppError('LEDGER.INVALID_RESUME_TOKEN', 'Last-Event-ID / since must be a sequence number', 400);
  }
  return Number(raw);
}

export function paymentStreamRouter(deps: { streams: PaymentStreams; access: AccessControl }): Router {
  const r = Router();
  r.get('/stalls/:merchantId/payments/stream', deps.access.required, async (req, res) => {
    const merchantId = String(req.params.merchantId);
    await deps.access.requireStall(req, merchantId);
    const since = resumePoint(req.header('last-event-id'), req.query.since);
    await deps.streams.open(req, res, accounts.stallPayable(merchantId), since);
  });
  return r;
}
