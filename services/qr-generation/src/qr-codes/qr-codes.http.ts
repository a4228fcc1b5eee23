import { Router } from 'express';
import { z } from 'zod';
import { AppError, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { QrRecord } from '../domain/model';
import { qrFor, qrView, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { Models } from '../store/models';

export const qrCodeRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/qr/:qrId',
    summary: 'One QR (its stall’s vendor, its market’s managers, admins)',
    tags: ['QR'],
    auth: true,
  },
  {
    method: 'get',
    path: '/stalls/:merchantId/qr',
    summary: "The stall's QRs, newest first (?kind=static|dynamic&status=active|revoked|expired&page=&pageSize=)",
    tags: ['QR'],
    auth: true,
  },
];

const filterSchema = z.object({
  kind: z.enum(['static', 'dynamic']).optional(),
  status: z.enum(['active', 'revoked', 'expired']).optional(),
});

export function qrCodesRouter(deps: Lookups & LinkBase & { models: Models }): Router {
  const r = Router();
  r.get('/qr/:qrId', deps.access.authenticate, async (req, res) => {
    res.json({ qr: qrView(await qrFor(deps, req, String(req.params.qrId)), deps) });
  });
  r.get('/stalls/:merchantId/qr', deps.access.authenticate, async (req, res) => {
    const m = await stallFor(deps, req, String(req.params.merchantId));
    const page = parsePageQuery(req.query);
    const f = filterSchema.safeParse({ kind: req.query.kind, status: req.query.status });
    if (!f.success)
      throw new AppError('QR.INVALID_QUERY', 'kind is static|dynamic, status is active|revoked|expired', 400);
    const filter: Record<string, unknown> = { merchantId: m._id };
    if (f.data.kind) filter.kind = f.data.kind;
    // Stored status: a dynamic QR past its expiry reads "expired" here once the sweeper has passed (seconds).
    if (f.data.status) filter.status = f.data.status;
    const [items, total] = await Promise.all([
      deps.models.Qr.find(filter, { outboxWriteIds: 0 })
        .sort({ issuedAt: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<QrRecord[]>()
        .exec(),
      deps.models.Qr.countDocuments(filter),
    ]);
    res.json(
      toPage(
        items.map((q) => qrView(q, deps)),
        total,
        page,
      ),
    );
  });
  return r;
}
