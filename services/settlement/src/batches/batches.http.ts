import { Router } from 'express';
import { z } from 'zod';
import { notFound, parseBody, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import type { CutoffService } from '../cutoff/cutoff.service';
import { param, requestCause } from '../http/common';
import { batchView, lineView } from '../lines/line.view';
import type { BatchDoc, LineDoc, Models } from '../store/models';

export const batchRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/markets/:marketId/settlements/cutoff',
    summary: 'Cut a business day off now (admin): 201 with the new batch, 200 when that day already has one',
    tags: ['batches'],
    auth: true,
    requestBody: {
      content: {
        'application/json': {
          schema: { type: 'object', required: ['businessDay'], properties: { businessDay: { type: 'string' } } },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/markets/:marketId/settlement-batches',
    summary: 'A market’s batches, newest day first, with their lines counted by state (manager, admin)',
    tags: ['batches'],
    auth: true,
  },
  {
    method: 'get',
    path: '/markets/:marketId/settlement-batches/:batchId',
    summary: 'One batch with its lines (manager, admin)',
    tags: ['batches'],
    auth: true,
  },
];

const cutoffBody = z.object({ businessDay: z.iso.date() });

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

  r.post('/markets/:marketId/settlements/cutoff', access.required, access.role('admin'), async (req, res) => {
    const marketId = param(req, 'marketId');
    const body = parseBody(cutoffBody, req.body, 'SETTLEMENT.INVALID_REQUEST');
    const result = await deps.cutoff.cutoff(
      marketId,
      body.businessDay,
      { kind: 'admin', by: access.principal(req).sub },
      requestCause(req),
    );
    const states = (await statesOf([result.batch._id])).get(result.batch._id) ?? {};
    res.status(result.created ? 201 : 200).json({ created: result.created, batch: batchView(result.batch, states) });
  });

  r.get('/markets/:marketId/settlement-batches', access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    access.requireMarket(req, marketId);
    const page = parsePageQuery(req.query);
    const [items, total] = await Promise.all([
      models.Batch.find({ marketId })
        .sort({ businessDay: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<BatchDoc[]>(),
      models.Batch.countDocuments({ marketId }),
    ]);
    const states = await statesOf(items.map((b) => b._id));
    res.json(
      toPage(
        items.map((b) => batchView(b, states.get(b._id) ?? {})),
        total,
        page,
      ),
    );
  });

  r.get('/markets/:marketId/settlement-batches/:batchId', access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    access.requireMarket(req, marketId);
    const batch = await models.Batch.findOne({ _id: param(req, 'batchId'), marketId }).lean<BatchDoc>();
    if (!batch)
      throw notFound('SETTLEMENT.BATCH_NOT_FOUND', `batch ${req.params.batchId} does not exist in ${marketId}`);
    const lines = await models.Line.find({ batchId: batch._id }).sort({ _id: 1 }).lean<LineDoc[]>();
    const states: Record<string, number> = {};
    for (const l of lines) states[l.state] = (states[l.state] ?? 0) + 1;
    res.json({ batch: { ...batchView(batch, states), lines: lines.map(lineView) } });
  });

  return r;
}
