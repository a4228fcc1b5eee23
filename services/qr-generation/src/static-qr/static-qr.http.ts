import { Router } from 'express';
import { AppError, type RouteDoc } from '@marketqr/service-kit';
import { issuedByOf, json, qrView, requestCause, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { StaticQrService } from './static-qr.service';

export const staticQrRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/stalls/:merchantId/qr/static',
    summary: 'Issue a new poster (static QR) for an active stall; the previous poster is revoked (poster_replaced)',
    tags: ['static QR'],
    auth: true,
    responses: {
      '201': { description: 'the new poster and the ids it revoked', ...json({ type: 'object' }) },
      '409': { description: 'QR.STALL_NOT_ACTIVE, QR.NO_VIRTUAL_ACCOUNT, QR.CONCURRENT_UPDATE' },
    },
  },
  {
    method: 'get',
    path: '/stalls/:merchantId/qr/static',
    summary: "The stall's current poster",
    tags: ['static QR'],
    auth: true,
    responses: { '200': { description: 'the poster' }, '404': { description: 'QR.NOT_FOUND: no active poster' } },
  },
];

export function staticQrRouter(deps: Lookups & LinkBase & { statics: StaticQrService }): Router {
  const r = Router();
  r.post('/stalls/:merchantId/qr/static', deps.access.authenticate, async (req, res) => {
    const m = await stallFor(deps, req, String(req.params.merchantId));
    const { qr, revoked } = await deps.statics.reissue(m._id, issuedByOf(deps.access, req), requestCause(req));
    res.status(201).json({ qr: qrView(qr, deps), revoked });
  });
  r.get('/stalls/:merchantId/qr/static', deps.access.authenticate, async (req, res) => {
    const m = await stallFor(deps, req, String(req.params.merchantId));
    const qr = await deps.statics.current(m._id);
    if (!qr) throw new AppError('QR.NOT_FOUND', 'the stall has no active poster', 404);
    res.json({ qr: qrView(qr, deps) });
  });
  return r;
}
