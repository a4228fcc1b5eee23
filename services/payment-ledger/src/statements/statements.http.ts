import { Router } from 'express';
import { z } from 'zod';
import { AppError, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { accounts } from '../domain/accounts';
import { businessDayOf } from '../domain/time';
import type { Ledger } from '../ledger/ledger';
import type { JournalEntry, Models, Posting } from '../store/models';

export const statementRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/stalls/:merchantId/statement',
    summary: "The stall's account statement, newest first, with its balance (?page=&pageSize=)",
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'get',
    path: '/stalls/:merchantId/payments',
    summary: 'Payments credited to the stall after a sequence number, oldest first (?since=&page=&pageSize=)',
    tags: ['stalls'],
    auth: true,
  },
  {
    method: 'get',
    path: '/stalls/:merchantId/payments/today',
    summary:
      "Today's takings: payments and their corrections (reversals, reallocations) made today, as the statement shows them",
    tags: ['stalls'],
    auth: true,
  },
];

/** Postings that are takings: payments, and the corrections that move a payment in or out of a stall. */
const TAKINGS: Posting['kind'][] = ['payment', 'reversal', 'reallocation'];

const sinceSchema = z.object({ since: z.coerce.number().int().min(0).default(0) });

/** A stall's money as its vendor reads it: credits to the vendor positive (the payable's postings negated). */
export function vendorLine(p: Posting) {
  return {
    seq: p.seq,
    entryId: p.entryId,
    kind: p.kind,
    amount: -p.amount,
    balance: -p.balanceAfter,
    businessDay: p.businessDay,
    postedAt: p.postedAt,
    ...(p.memo ? { payment: p.memo } : {}),
  };
}

export function statementsRouter(deps: { models: Models; ledger: Ledger; access: AccessControl }): Router {
  const { models, ledger, access } = deps;
  const r = Router();
  const postings = models.postings;

  r.get('/stalls/:merchantId/statement', access.required, async (req, res) => {
    const merchantId = String(req.params.merchantId);
    await access.requireStall(req, merchantId);
    const page = parsePageQuery(req.query);
    const account = accounts.stallPayable(merchantId);
    const [rows, latest] = await Promise.all([
      postings
        .find({ account })
        .sort({ seq: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .toArray() as Promise<Posting[]>,
      ledger.latest(account),
    ]);
    // An account's postings are numbered 1, 2, 3… without gaps, so the latest seq is their count (no counting scan).
    const total = latest?.seq ?? 0;
    const entries = new Map(
      ((await models.entries.find({ _id: { $in: rows.map((p) => p.entryId) } }).toArray()) as JournalEntry[]).map(
        (e) => [e._id, e],
      ),
    );
    res.json({
      merchantId,
      account,
      balance: latest ? -latest.balanceAfter : 0,
      ...toPage(
        rows.map((p) => {
          const e = entries.get(p.entryId);
          return { ...vendorLine(p), description: e?.description ?? '', reference: e?.reference ?? null };
        }),
        total,
        page,
      ),
    });
  });

  r.get('/stalls/:merchantId/payments/today', access.required, async (req, res) => {
    const merchantId = String(req.params.merchantId);
    await access.requireStall(req, merchantId);
    const businessDay = businessDayOf(new Date());
    // Payments and the corrections of payments, each on the day it was booked, exactly as the statement (and so the
    // balance) has them: a payment reversed or moved away today no longer counts, one moved here counts. Payouts and
    // fees are not takings. A stall has at most a few hundred such postings a day: summed here, one read.
    const rows = (await postings
      .find(
        { account: accounts.stallPayable(merchantId), kind: { $in: TAKINGS }, businessDay },
        { projection: { amount: 1 } },
      )
      .toArray()) as Pick<Posting, 'amount'>[];
    // The payable is credited (negative) by a payment coming in, debited (positive) by one going out.
    const total = -rows.reduce((s, p) => s + p.amount, 0);
    const count = rows.reduce((n, p) => n + (p.amount < 0 ? 1 : -1), 0);
    res.json({ merchantId, businessDay, total, count, currency: 'VND' });
  });

  r.get('/stalls/:merchantId/payments', access.required, async (req, res) => {
    const merchantId = String(req.params.merchantId);
    await access.requireStall(req, merchantId);
    const page = parsePageQuery(req.query);
    const q = sinceSchema.safeParse(req.query);
    if (!q.success) throw new AppError('LEDGER.INVALID_QUERY', 'since must be a sequence number ≥ 0', 400);
    const filter = { account: accounts.stallPayable(merchantId), kind: 'payment' as const, seq: { $gt: q.data.since } };
    const [rows, total] = await Promise.all([
      postings
        .find(filter)
        .sort({ seq: 1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .toArray() as Promise<Posting[]>,
      postings.countDocuments(filter),
    ]);
    res.json({ merchantId, since: q.data.since, ...toPage(rows.map(vendorLine), total, page) });
  });

  return r;
}
