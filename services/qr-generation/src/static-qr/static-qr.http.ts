import { Router } from 'express';
import { qrGenerationRoutes as routes } from '@marketqr/contracts';
import { AppError, parsePart, reply } from '@marketqr/service-kit';
import { issuedByOf, qrView, requestCause, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { StaticQrService } from './static-qr.service';

export const staticQrRoutes = [routes.reissuePoster, routes.currentPoster];

export function staticQrRouter(deps: Lookups & LinkBase & { statics: StaticQrService }): Router {
  const r = Router();
  r.post(routes.reissuePoster.path, deps.access.authenticate, async (req, res) => {
    const { merchantId } = parsePart(routes.reissuePoster, 'params', req.params);
    const m = await stallFor(deps, req, merchantId);
    const { qr, revoked } = await deps.statics.reissue(m._id, issuedByOf(deps.access, req), requestCause(req));
    reply(res, routes.reissuePoster, 201, { qr: qrView(qr, deps), revoked });
  });
  r.get(routes.currentPoster.path, deps.access.authenticate, async (req, res) => {
    const { merchantId } = parsePart(routes.currentPoster, 'params', req.params);
    const m = await stallFor(deps, req, merchantId);
    const qr = await deps.statics.current(m._id);
    if (!qr) throw new AppError('QR.NOT_FOUND', 'the stall has no active poster', 404);
    reply(res, routes.currentPoster, 200, { qr: qrView(qr, deps) });
  });
  return r;
}
