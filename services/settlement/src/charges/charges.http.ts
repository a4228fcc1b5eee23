import { Router } from 'express';
import { settlementRoutes as routes } from '@marketqr/contracts';
import { notFound, parsePart, reply } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import type { Models, StallDoc } from '../store/models';
import type { ChargesService, ChargesView } from './charges.service';

export const chargeRoutes = [routes.getCharges, routes.setCharges, routes.agreeCharges];

/** As the API shows it: instants as ISO strings (what JSON made of the dates before; now the spec's type says so). */
function chargesView(v: ChargesView) {
  return {
    ...v,
    plan: v.plan ? { ...v.plan, updatedAt: v.plan.updatedAt.toISOString() } : null,
    agreement: v.agreement ? { ...v.agreement, at: v.agreement.at.toISOString() } : null,
  };
}

export function chargesRouter(deps: { models: Models; charges: ChargesService; access: AccessControl }): Router {
  const { models, charges, access } = deps;
  const r = Router();
  const stallOf = (merchantId: string) => models.Stall.findById(merchantId).lean<StallDoc>();

  r.get(routes.getCharges.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(routes.getCharges, 'params', req.params);
    const stall = await stallOf(merchantId);
    access.requireStall(req, { merchantId, marketId: stall?.marketId ?? null });
    reply(res, routes.getCharges, 200, { charges: chargesView(await charges.view(merchantId)) });
  });

  const set = routes.setCharges;
  r.put(set.path, access.required, async (req, res) => {
    // Who may, and whether the stall is known, before what was asked.
    const { merchantId } = parsePart(set, 'params', req.params);
    const stall = await stallOf(merchantId);
    access.requireStallManager(req, { merchantId, marketId: stall?.marketId ?? null });
    if (!stall) throw notFound('SETTLEMENT.STALL_NOT_FOUND', `settlement has not seen stall ${merchantId} yet`);
    const body = parsePart(set, 'body', req.body);
    const items = body.items.map((i) => ({ ...i, label: i.label.normalize('NFC') }));
    const view = await charges.setPlan(merchantId, stall.marketId, items, access.principal(req).sub);
    reply(res, set, 200, { charges: chargesView(view) });
  });

  const agree = routes.agreeCharges;
  r.put(agree.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(agree, 'params', req.params);
    access.requireOwnVendor(req, merchantId);
    const body = parsePart(agree, 'body', req.body);
    const view = await charges.agree(merchantId, body.planVersion, body.agreed, access.principal(req).sub);
    reply(res, agree, 200, { charges: chargesView(view) });
  });

  return r;
}
