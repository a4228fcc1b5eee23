import { Router } from 'express';
import { z } from 'zod';
import { notFound, parseBody, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { param } from '../http/common';
import type { Models, StallDoc } from '../store/models';
import type { ChargesService } from './charges.service';

export const chargeRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/stalls/:merchantId/charges',
    summary: 'The stall’s market charges, the vendor’s agreement and whether they are netted from payouts',
    tags: ['charges'],
    auth: true,
  },
  {
    method: 'put',
    path: '/stalls/:merchantId/charges',
    summary: 'Set the stall’s daily market charges (the market’s managers, admin); a new version needs a new agreement',
    tags: ['charges'],
    auth: true,
  },
  {
    method: 'put',
    path: '/stalls/:merchantId/charges/agreement',
    summary: 'The vendor agrees (or withdraws) to have this version of its charges netted from payouts (vendor only)',
    tags: ['charges'],
    auth: true,
  },
];

const planBody = z.object({
  items: z
    .array(
      z.object({
        code: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a snake_case code such as stall_rent'),
        label: z.string().trim().min(1).max(100),
        amount: z.number().int().positive().max(100_000_000),
      }),
    )
    .max(20),
});
const agreementBody = z.object({ planVersion: z.number().int().positive(), agreed: z.boolean() });

export function chargesRouter(deps: { models: Models; charges: ChargesService; access: AccessControl }): Router {
  const { models, charges, access } = deps;
  const r = Router();
  const stallOf = (merchantId: string) => models.Stall.findById(merchantId).lean<StallDoc>();

  r.get('/stalls/:merchantId/charges', access.required, async (req, res) => {
    const merchantId = param(req, 'merchantId');
    const stall = await stallOf(merchantId);
    access.requireStall(req, { merchantId, marketId: stall?.marketId ?? null });
    res.json({ charges: await charges.view(merchantId) });
  });

  r.put('/stalls/:merchantId/charges', access.required, async (req, res) => {
    const merchantId = param(req, 'merchantId');
    const stall = await stallOf(merchantId);
    access.requireStallManager(req, { merchantId, marketId: stall?.marketId ?? null });
    if (!stall) throw notFound('SETTLEMENT.STALL_NOT_FOUND', `settlement has not seen stall ${merchantId} yet`);
    const body = parseBody(planBody, req.body, 'SETTLEMENT.INVALID_REQUEST');
    const items = body.items.map((i) => ({ ...i, label: i.label.normalize('NFC') }));
    res.json({ charges: await charges.setPlan(merchantId, stall.marketId, items, access.principal(req).sub) });
  });

  r.put('/stalls/:merchantId/charges/agreement', access.required, async (req, res) => {
    const merchantId = param(req, 'merchantId');
    access.requireOwnVendor(req, merchantId);
    const body = parseBody(agreementBody, req.body, 'SETTLEMENT.INVALID_REQUEST');
    res.json({ charges: await charges.agree(merchantId, body.planVersion, body.agreed, access.principal(req).sub) });
  });

  return r;
}
