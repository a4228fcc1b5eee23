import { findPage } from '@marketqr/mongo';
import { Router } from 'express';
import { qrGenerationRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply, toPage } from '@marketqr/service-kit';
import type { QrRecord } from '../domain/model';
import { qrFor, qrView, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { Models } from '../store/models';

export const qrCodeRoutes = [routes.getQr, routes.listStallQrs];

export function qrCodesRouter(deps: Lookups & LinkBase & { models: Models }): Router {
  const r = Router();
  r.get(routes.getQr.path, deps.access.authenticate, async (req, res) => {
    const { qrId } = parsePart(routes.getQr, 'params', req.params);
    reply(res, routes.getQr, 200, { qr: qrView(await qrFor(deps, req, qrId), deps) });
  });
  const list = routes.listStallQrs;
  r.get(list.path, deps.access.authenticate, async (req, res) => {
    const m = await stallFor(deps, req, parsePart(list, 'params', req.params).merchantId);
    const { kind, status, ...page } = parsePart(list, 'query', req.query);
    const filter: Record<string, unknown> = { merchantId: m._id };
    if (kind) filter.kind = kind;
    // Stored status: a dynamic QR past its expiry reads "expired" here once the sweeper has passed (seconds).
    if (status) filter.status = status;
    const { items, total } = await findPage<QrRecord>(deps.models.Qr.collection, filter, page, {
      sort: { issuedAt: -1 },
      projection: { outboxWriteIds: 0 },
    });
    reply(
      res,
      list,
      200,
      toPage(
        items.map((q) => qrView(q, deps)),
        total,
        page,
      ),
    );
  });
  return r;
}
