import { findPage } from '@marketqr/mongo';
import { Router } from 'express';
import { settlementRoutes as routes } from '@marketqr/contracts';
import { notFound, parsePart, reply, toPage } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import type { CutoffService } from '../cutoff/cutoff.service';
import { requestCause } from '../http/common';
import { batchView, lineView } from '../lines/line.view';
import type { BatchDoc, LineDoc, Models } from '../store/models';

export const batchRoutes = [routes.cutoff, routes.listBatches, routes.getBatch];

export function batchesRouter(deps: { models: Models; access: AccessControl; cutoff: CutoffService }): Router {
  const { models, access } = deps;
  const r = Router();

  /** Lines per state for each batch: one accumulator per $group (FerretDB computes only the first). */
  const statesOf = async (batchIds: string[]) => {
    const rows = await models.Line.aggregate<{ _id: { batchId: string; state: string }; n: number }>([
      { $match: { batchId: { $in: batchIds } } },
      { $group: { _id: { batchId: '$batchId', state: '$state' }, n: { $sum: 1 } } },
    ]);
    const out = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const m = out.get(row._id.batchId) ?? {};
      m[row._id.state] = row.n;
      out.set(row._id.batchId, m);
    }
    return out;
  };

  const cutoff = routes.cutoff;
  r.post(cutoff.path, access.required, access.role('admin'), async (req, res) => {
    const { marketId } = parsePart(cutoff, 'params', req.params);
    const body = parsePart(cutoff, 'body', req.body);
    const result = await deps.cutoff.cutoff(
      marketId,
      body.businessDay,
      { kind: 'admin', by: access.principal(req).sub },
      requestCause(req),
    );
    const states = (await statesOf([result.batch._id])).get(result.batch._id) ?? {};
    reply(res, cutoff, result.created ? 201 : 200, { created: result.created, batch: batchView(result.batch, states) });
  });

  const list = routes.listBatches;
  r.get(list.path, access.required, async (req, res) => {
    const { marketId } = parsePart(list, 'params', req.params);
    access.requireMarket(req, marketId);
    const page = parsePart(list, 'query', req.query);
    const { items, total } = await findPage<BatchDoc>(models.Batch.collection, { marketId }, page, {
      sort: { businessDay: -1 },
    });
    const states = await statesOf(items.map((b) => b._id));
    reply(
      res,
      list,
      200,
      toPage(
        items.map((b) => batchView(b, states.get(b._id) ?? {})),
        total,
        page,
      ),
    );
  });

  const one = routes.getBatch;
  r.get(one.path, access.required, async (req, res) => {
    const { marketId, batchId } = parsePart(one, 'params', req.params);
    access.requireMarket(req, marketId);
    const batch = await models.Batch.findOne({ _id: batchId, marketId }).lean<BatchDoc>();
    if (!batch) throw notFound('SETTLEMENT.BATCH_NOT_FOUND', `batch ${batchId} does not exist in ${marketId}`);
    const lines = await models.Line.find({ batchId: batch._id }).sort({ _id: 1 }).lean<LineDoc[]>();
    const states: Record<string, number> = {};
    for (const l of lines) states[l.state] = (states[l.state] ?? 0) + 1;
    reply(res, one, 200, { batch: { ...batchView(batch, states), lines: lines.map(lineView) } });
  });

  return r;
}
