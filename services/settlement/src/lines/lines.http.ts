import { findPage } from '@marketqr/mongo';
import { Router, type Request } from 'express';
import { settlementRoutes as routes } from '@marketqr/contracts';
import { notFound, parsePart, reply, toPage } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import type { PayoutService } from '../payouts/payout.service';
import type { ContributionDoc, LineDoc, Models, StallDoc } from '../store/models';
import { contributionView, lineView, stallSummary } from './line.view';

export const lineRoutes = [
  routes.stallLines,
  routes.stallSummary,
  routes.getLine,
  routes.retryLine,
  routes.marketLines,
];

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

  const stallLines = routes.stallLines;
  r.get(stallLines.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(stallLines, 'params', req.params);
    await requireKnownStall(req, merchantId);
    const page = parsePart(stallLines, 'query', req.query);
    const filter = { merchantId };
    const { items, total } = await findPage<LineDoc>(models.Line.collection, filter, page, {
      sort: { businessDay: -1 },
    });
    reply(res, stallLines, 200, toPage(items.map(lineView), total, page));
  });

  r.get(routes.stallSummary.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(routes.stallSummary, 'params', req.params);
    await requireKnownStall(req, merchantId);
    reply(res, routes.stallSummary, 200, { summary: await stallSummary(models, merchantId) });
  });

  r.get(routes.getLine.path, access.required, async (req, res) => {
    const line = await lineOr404(parsePart(routes.getLine, 'params', req.params).lineId);
    access.requireStall(req, line);
    const contributions = await models.Contribution.find({ _id: { $in: line.contributionIds } })
      .sort({ businessDay: 1, _id: 1 })
      .lean<ContributionDoc[]>();
    reply(res, routes.getLine, 200, {
      line: { ...lineView(line), contributions: contributions.map(contributionView) },
    });
  });

  const retry = routes.retryLine;
  r.post(retry.path, access.required, async (req, res) => {
    const line = await lineOr404(parsePart(retry, 'params', req.params).lineId);
    access.requireStallManager(req, line);
    const result = await deps.payouts.retry(line._id);
    if (result.outcome === 'reissued') reply(res, retry, 202, { outcome: result.outcome, line: lineView(result.line) });
    else reply(res, retry, 200, { outcome: result.outcome, line: lineView(result.line) });
  });

  const marketLines = routes.marketLines;
  r.get(marketLines.path, access.required, async (req, res) => {
    const { marketId } = parsePart(marketLines, 'params', req.params);
    access.requireMarket(req, marketId);
    const { state, day, ...page } = parsePart(marketLines, 'query', req.query);
    const filter = {
      marketId,
      ...(state ? { state } : {}),
      ...(day ? { businessDay: day } : {}),
    };
    const { items, total } = await findPage<LineDoc>(models.Line.collection, filter, page, {
      sort: { businessDay: -1, _id: 1 },
    });
    reply(res, marketLines, 200, toPage(items.map(lineView), total, page));
  });

  return r;
}
