import { findPage } from '@marketqr/mongo';
import { Router } from 'express';
import { paymentLedgerRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply, toPage } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { accounts } from '../domain/accounts';
import { businessDayOf } from '../domain/time';
import type { Ledger } from '../ledger/ledger';
import type { JournalEntry, Models, Posting } from '../store/models';

export const statementRoutes = [routes.stallStatement, routes.stallPayments, routes.paymentsToday];

/** Postings that are takings: payments, and the corrections that move a payment in or out of a stall. */
const TAKINGS: Posting['kind'][] = ['payment', 'reversal', 'reallocation'];

/** A stall's money as its vendor reads it: credits to the vendor positive (the payable's postings negated). */
export function vendorLine(p: Posting) {
  return {
    seq: p.seq,
    entryId: p.entryId,
    kind: p.kind,
    amount: -p.amount,
    balance: -p.balanceAfter,
    businessDay: p.businessDay,
    postedAt: p.postedAt.toISOString(),
    ...(p.memo ? { payment: p.memo } : {}),
  };
}

export function statementsRouter(deps: { models: Models; ledger: Ledger; access: AccessControl }): Router {
  const { models, ledger, access } = deps;
  const r = Router();
  const postings = models.postings;

  const statement = routes.stallStatement;
  r.get(statement.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(statement, 'params', req.params);
    await access.requireStall(req, merchantId);
    const page = parsePart(statement, 'query', req.query);
    const account = accounts.stallPayable(merchantId);
    const latestPosting = ledger.latest(account);
    // An account's postings are numbered 1, 2, 3… without gaps, so the latest seq is their count (no counting scan).
    const { items: rows, total } = await findPage<Posting>(postings, { account }, page, {
      sort: { seq: -1 },
      total: latestPosting.then((latest) => latest?.seq ?? 0),
    });
    const latest = await latestPosting;
    const entries = new Map(
      ((await models.entries.find({ _id: { $in: rows.map((p) => p.entryId) } }).toArray()) as JournalEntry[]).map(
        (e) => [e._id, e],
      ),
    );
    reply(res, statement, 200, {
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

  const today = routes.paymentsToday;
  r.get(today.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(today, 'params', req.params);
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
    reply(res, today, 200, { merchantId, businessDay, total, count, currency: 'VND' });
  });

  const payments = routes.stallPayments;
  r.get(payments.path, access.required, async (req, res) => {
    const { merchantId } = parsePart(payments, 'params', req.params);
    await access.requireStall(req, merchantId);
    const { since, ...page } = parsePart(payments, 'query', req.query);
    const filter = { account: accounts.stallPayable(merchantId), kind: 'payment' as const, seq: { $gt: since } };
    const { items: rows, total } = await findPage<Posting>(postings, filter, page, { sort: { seq: 1 } });
    reply(res, payments, 200, { merchantId, since, ...toPage(rows.map(vendorLine), total, page) });
  });

  return r;
}
