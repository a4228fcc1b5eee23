import { Router, type Request } from 'express';
import { z } from 'zod';
import { forbidden } from '@marketqr/auth';
import { AppError, maskAllButLast, parseBody, parsePageQuery, toPage, type RouteDoc } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { stallOfAccount } from '../domain/accounts';
import type { JournalEntry, Models } from '../store/models';
import { CorrectionService, type PaymentState } from './corrections.service';

export const correctionRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/payments/:paymentId',
    summary: 'A payment: the notification, its status, its entries and corrections (audit trail)',
    tags: ['payments'],
    auth: true,
  },
  {
    method: 'post',
    path: '/payments/:paymentId/reverse',
    summary: 'Reverse a payment {reasonCode, reason} (manager of its market, or admin) → payment.reversed',
    tags: ['payments'],
    auth: true,
  },
  {
    method: 'post',
    path: '/payments/:paymentId/reallocate',
    summary: 'Move a payment to another stall of its market {toMerchantId, reason} → payment.reallocated',
    tags: ['payments'],
    auth: true,
  },
  {
    method: 'get',
    path: '/markets/:marketId/payments',
    summary:
      "The market's payments (?outcome=unmatched|underpaid|overpaid|late|order_code_of_other_stall|paid&page=&pageSize=)",
    tags: ['payments'],
    auth: true,
  },
  {
    method: 'get',
    path: '/unidentified-payments',
    summary: 'Payments to accounts no market is known for (admin)',
    tags: ['payments'],
    auth: true,
  },
];

const reverseSchema = z.object({
  reasonCode: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case code: bank_recall, refund_to_payer, …'),
  reason: z.string().trim().min(3).max(500),
});
const reallocateSchema = z.object({
  toMerchantId: z.string().min(1).max(128),
  reason: z.string().trim().min(3).max(500),
});
const outcomeSchema = z.object({
  outcome: z
    .enum([
      'paid',
      'underpaid',
      'overpaid',
      'late',
      'order_code_of_other_stall',
      'held_for_review',
      'unmatched',
      'unknown_account',
    ])
    .optional(),
});

function withMaskedPayer<T extends { notification?: { counterparty?: { accountNumber?: string | null } | null } }>(
  record: T | null,
): T | null {
  const cp = record?.notification?.counterparty;
  if (!record || !cp?.accountNumber) return record;
  return {
    ...record,
    notification: {
      ...record.notification,
      counterparty: { ...cp, accountNumber: maskAllButLast(cp.accountNumber) },
    },
  };
}

/** What an API shows of an entry: all of it (entries carry no bookkeeping). */
export function publicEntry(e: JournalEntry) {
  return e;
}

function publicState(s: PaymentState) {
  return {
    amount: s.amount,
    holderAccount: s.holderAccount,
    holderMerchantId: s.holderAccount ? stallOfAccount(s.holderAccount) : null,
    holderMarketId: s.holderMarketId,
    reversed: s.reversed,
    entries: [s.payment, ...s.corrections].map(publicEntry),
  };
}

export function correctionsRouter(deps: {
  corrections: CorrectionService;
  models: Models;
  access: AccessControl;
}): Router {
  const { corrections, models, access } = deps;
  const r = Router();
  const correlation = (req: Request) => req.header('x-correlation-id') ?? undefined;

  r.get('/payments/:paymentId', access.required, async (req, res) => {
    const view = await corrections.view(String(req.params.paymentId));
    if (!view) throw new AppError('LEDGER.PAYMENT_NOT_FOUND', 'no such payment', 404);
    const p = access.principal(req);
    if (p.role !== 'admin' && p.role !== 'service') {
      // Whoever the money went to, or was first credited to, may look.
      const entries = view.state ? [view.state.payment, ...view.state.corrections] : [];
      const stalls = new Set(entries.flatMap((e) => e.postings.map((x) => stallOfAccount(x.account)).filter(Boolean)));
      const markets = new Set(entries.map((e) => e.marketId).filter(Boolean));
      const ok =
        (p.role === 'vendor' && stalls.has(p.merchantId)) || (p.role === 'market_manager' && markets.has(p.marketId));
      if (!ok) throw forbidden('not allowed for this payment');
    }
    res.json({
      paymentId: view.paymentId,
      status: view.status,
      // A vendor sees who paid (name, bank) but not the payer's whole account number: events carry only a keyed hash
      // of it, and the vendor's page must not be where it leaks. Managers and admins handle refunds and see it.
      notification: p.role === 'vendor' ? withMaskedPayer(view.inbox) : view.inbox,
      ...(p.role === 'vendor' ? {} : { modifiedResends: view.modifiedResends }),
      ...(view.state ? publicState(view.state) : {}),
    });
  });

  /**
   * Who may correct this payment, decided before the body is read: vendors never; a manager only for a payment of
   * their market, with the same 403 for a payment that does not exist (ids cannot be probed); admins go on (an
   * unknown payment is their 404). The service checks again under its lock, against the state it then reads.
   */
  const preauthorize = async (req: Request) => {
    const p = access.principal(req);
    if (p.role === 'admin') return;
    if (p.role !== 'market_manager') throw forbidden('only a manager of the market or an admin may correct a payment');
    const state = await corrections.state(String(req.params.paymentId));
    access.requireManagerOf(req, state ? CorrectionService.marketOf(state) : null);
  };

  r.post('/payments/:paymentId/reverse', access.required, async (req, res) => {
    await preauthorize(req);
    const body = parseBody(reverseSchema, req.body, 'LEDGER.INVALID_REQUEST');
    const entry = await corrections.reverse(
      String(req.params.paymentId),
      body,
      access.actor(req),
      (state) => access.requireManagerOf(req, CorrectionService.marketOf(state)),
      correlation(req),
    );
    res.status(201).json({ entry: publicEntry(entry) });
  });

  r.post('/payments/:paymentId/reallocate', access.required, async (req, res) => {
    await preauthorize(req);
    const body = parseBody(reallocateSchema, req.body, 'LEDGER.INVALID_REQUEST');
    const entry = await corrections.reallocate(
      String(req.params.paymentId),
      body,
      access.actor(req),
      (state, toMarketId) => {
        // Both ends must be the manager's market (an unidentified payment has no market: admins only).
        access.requireManagerOf(req, CorrectionService.marketOf(state));
        access.requireManagerOf(req, toMarketId);
      },
      correlation(req),
    );
    res.status(201).json({ entry: publicEntry(entry) });
  });

  r.get('/markets/:marketId/payments', access.required, async (req, res) => {
    const marketId = String(req.params.marketId);
    access.requireMarket(req, marketId);
    const page = parsePageQuery(req.query);
    const q = outcomeSchema.safeParse(req.query);
    if (!q.success) throw new AppError('LEDGER.INVALID_QUERY', 'unknown outcome', 400);
    const filter: Record<string, unknown> = { kind: 'payment', marketId };
    if (q.data.outcome) filter['meta.outcome'] = q.data.outcome;
    const [items, total] = await Promise.all([
      models.entries
        .find(filter)
        .sort({ postedAt: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .toArray(),
      models.entries.countDocuments(filter),
    ]);
    res.json(toPage((items as JournalEntry[]).map(publicEntry), total, page));
  });

  r.get('/unidentified-payments', access.required, async (req, res) => {
    access.requireAdmin(req);
    const page = parsePageQuery(req.query);
    const filter = { kind: 'payment' as const, 'meta.outcome': 'unknown_account' };
    const [items, total] = await Promise.all([
      models.entries
        .find(filter)
        .sort({ postedAt: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .toArray(),
      models.entries.countDocuments(filter),
    ]);
    res.json(toPage((items as JournalEntry[]).map(publicEntry), total, page));
  });

  return r;
}
