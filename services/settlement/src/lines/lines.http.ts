import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, notFound, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { LINE_STATES } from '../domain/line';
import { param } from '../http/common';
import type { PayoutService } from '../payouts/payout.service';
import type { ContributionDoc, LineDoc, Models, StallDoc } from '../store/models';
import { contributionView, lineView, stallSummary } from './line.view';

export const lineRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/stalls/:merchantId/settlement-lines',
    summary: 'A stall’s settlement history, newest day first, paged (its vendor, the market’s managers, admins)',
    tags: ['settlement lines'],
    auth: true,
  },
  {
    method: 'get',
    path: '/stalls/:merchantId/settlement-summary',
    summary: 'Where the stall’s money is: credited, paid out, in payment, carried, unsettled, fees, charges',
    tags: ['settlement lines'],
    auth: true,
  },
  {
    method: 'get',
    path: '/settlement-lines/:lineId',
    summary: 'One line with the payments it settles',
    tags: ['settlement lines'],
    auth: true,
  },
  {
    method: 'post',
    path: '/settlement-lines/:lineId/retry',
    summary: 'Pay a line that needs attention again (manager, admin): resolves the old key at the bank first',
    tags: ['settlement lines'],
    auth: true,
  },
  {
    method: 'get',
    path: '/markets/:marketId/settlement-lines',
    summary: 'A market’s lines, filtered by state (e.g. ?state=needs_attention), paged (manager, admin)',
    tags: ['settlement lines'],
    auth: true,
  },
];

const stateQuery = z.object({ state: z.enum(LINE_STATES).optional(), day: z.iso.date().optional() });

export function linesRouter(deps: { models: Models; access: AccessControl; payouts: PayoutService }): Router {
  const { models, access } = deps;
  const r = Router();
  const marketOf = async (merchantId: string) =>
    (await models.Stall.findById(merchantId, { marketId: 1 }).lean<Pick<StallDoc, 'marketId'>>())?.marketId ?? null;
  /**
   * Authorized first: a manager cannot tell a stall settlement never saw from another market's (both 403). Then an
   * admin or service asking about an unknown stall gets 404, not a page of zeros. A vendor asking about its own stall
   * before its first event reached settlement sees zeros: nothing is owed yet.
   */
  const requireKnownStall = async (req: Request, merchantId: string) => {
    const marketId = await marketOf(merchantId);
    access.requireStall(req, { merchantId, marketId });
    if (marketId === null && access.principal(req).role !== 'vendor') {
      throw notFound('SETTLEMENT.STALL_NOT_FOUND', `settlement has not seen stall ${merchantId}`);
    }
  };
  const lineOr404 = async (lineId: string) => {
    const line = await models.Line.findById(lineId).lean<LineDoc>();
    if (!line) throw notFound('SETTLEMENT.LINE_NOT_FOUND', `settlement line ${lineId} does not exist`);
    return line;
  };

  r.get('/stalls/:merchantId/settlement-lines', access.required, async (req, res) => {
    const merchantId = param(req, 'merchantId');
    await requireKnownStall(req, merchantId);
    const page = parsePageQuery(req.query);
    const filter = { merchantId };
    const [items, total] = await Promise.all([
      models.Line.find(filter)
        .sort({ businessDay: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<LineDoc[]>(),
      models.Line.countDocuments(filter),
    ]);
    res.json(toPage(items.map(lineView), total, page));
  });

  r.get('/stalls/:merchantId/settlement-summary', access.required, async (req, res) => {
    const merchantId = param(req, 'merchantId');
    await requireKnownStall(req, merchantId);
    res.json({ summary: await stallSummary(models, merchantId) });
  });

  r.get('/settlement-lines/:lineId', access.required, async (req, res) => {
    const line = await lineOr404(param(req, 'lineId'));
    access.requireStall(req, line);
    const contributions = await models.Contribution.find({ _id: { $in: line.contributionIds } })
      .sort({ businessDay: 1, _id: 1 })
      .lean<ContributionDoc[]>();
    res.json({ line: { ...lineView(line), contributions: contributions.map(contributionView) } });
  });

  r.post('/settlement-lines/:lineId/retry', access.required, async (req, res) => {
    const line = await lineOr404(param(req, 'lineId'));
    access.requireStallManager(req, line);
    const result = await deps.payouts.retry(line._id);
    res
      .status(result.outcome === 'reissued' ? 202 : 200)
      .json({ outcome: result.outcome, line: lineView(result.line) });
  });

  r.get('/markets/:marketId/settlement-lines', access.required, async (req, res) => {
    const marketId = param(req, 'marketId');
    access.requireMarket(req, marketId);
    const q = stateQuery.safeParse(req.query);
    if (!q.success) {
      throw new AppError('SETTLEMENT.INVALID_REQUEST', `state must be one of ${LINE_STATES.join(', ')}`, 400);
    }
    const page = parsePageQuery(req.query);
    const filter = {
      marketId,
      ...(q.data.state ? { state: q.data.state } : {}),
      ...(q.data.day ? { businessDay: q.data.day } : {}),
    };
    const [items, total] = await Promise.all([
      models.Line.find(filter)
        .sort({ businessDay: -1, _id: 1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<LineDoc[]>(),
      models.Line.countDocuments(filter),
    ]);
    res.json(toPage(items.map(lineView), total, page));
  });

  return r;
}
