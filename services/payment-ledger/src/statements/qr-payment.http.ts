import { Router } from 'express';
import { paymentLedgerRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply } from '@marketqr/service-kit';
import type { PaymentMeta } from '../ledger/entry-meta';
import type { Models } from '../store/models';

export const qrPaymentRoutes = [routes.qrPayment];

/**
 * "Mã này đã được thanh toán lúc 08:55": a shopper holding a dynamic QR that was already paid must not pay it again.
 * The ledger is where that is known (the first payment naming the QR claims it). Public like the genuine check: whoever
 * holds the code may learn whether and when it was paid, nothing else (not who paid, not how much).
 */
export function qrPaymentRouter(deps: { models: Models }): Router {
  const spec = routes.qrPayment;
  const r = Router();
  r.get(spec.path, async (req, res) => {
    const { qrId } = parsePart(spec, 'params', req.params);
    const claim = await deps.models.qrClaims.findOne({ _id: qrId });
    // A claim is written just before its entry: until the entry is there the payment is not booked yet.
    const entry = claim
      ? await deps.models.entries.findOne(
          { _id: `payment:${claim.paymentId}` },
          { projection: { 'meta.paidAt': 1, postedAt: 1 } },
        )
      : null;
    const paidAt = entry ? String((entry.meta as Partial<PaymentMeta>).paidAt ?? entry.postedAt.toISOString()) : null;
    res.set('Cache-Control', 'no-store');
    reply(res, spec, 200, { qrId, paid: paidAt !== null, paidAt });
  });
  return r;
}
