import { Router } from 'express';
import { paymentLedgerRoutes as routes } from '@marketqr/contracts';
import { AppError, parsePart } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { accounts } from '../domain/accounts';
import type { PaymentStreams } from './payment-streams';

export const streamRoutes = [routes.paymentsStream];

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
  const spec = routes.paymentsStream;
  const r = Router();
  r.get(spec.path, deps.access.required, async (req, res) => {
    const { merchantId } = parsePart(spec, 'params', req.params);
    await deps.access.requireStall(req, merchantId);
    // The token is checked here, with the header it competes with, not by the spec (which reads it as text).
    const since = resumePoint(req.header('last-event-id'), parsePart(spec, 'query', req.query).since);
    await deps.streams.open(req, res, accounts.stallPayable(merchantId), since);
  });
  return r;
}
