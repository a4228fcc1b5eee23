import { findPage } from '@marketqr/mongo';
import { Router, type Request } from 'express';
import { forbidden } from '@marketqr/auth';
import { paymentLedgerRoutes as routes } from '@marketqr/contracts';
import { AppError, maskAllButLast, parsePart, reply, toPage } from '@marketqr/service-kit';
import type { AccessControl } from '../access';
import { stallOfAccount } from '../domain/accounts';
import type { JournalEntry, Models } from '../store/models';
import { CorrectionService, type PaymentState } from './corrections.service';

export const correctionRoutes = [
  routes.getPayment,
  routes.reversePayment,
  routes.reallocatePayment,
  routes.marketPayments,
  routes.unidentifiedPayments,
];

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

/** What an API shows of an entry: all of it (entries carry no bookkeeping), its instant as JSON always wrote it. */
export function publicEntry(e: JournalEntry) {
  // The spec shows `meta` as an open object (its fields depend on the kind).
  return { ...e, postedAt: e.postedAt.toISOString(), meta: e.meta as unknown as Record<string, unknown> };
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

  const one = routes.getPayment;
  r.get(one.path, access.required, async (req, res) => {
    const view = await corrections.view(parsePart(one, 'params', req.params).paymentId);
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
    // A vendor sees who paid (name, bank) but not the payer's whole account number: events carry only a keyed hash
    // of it, and the vendor's page must not be where it leaks. Managers and admins handle refunds and see it.
    const inbox = p.role === 'vendor' ? withMaskedPayer(view.inbox) : view.inbox;
    reply(res, one, 200, {
      paymentId: view.paymentId,
      status: view.status,
      notification: inbox && {
        ...inbox,
        notification: inbox.notification as unknown as Record<string, unknown>,
        receivedAt: inbox.receivedAt.toISOString(),
      },
      ...(p.role === 'vendor'
        ? {}
        : { modifiedResends: view.modifiedResends.map((m) => ({ ...m, receivedAt: m.receivedAt.toISOString() })) }),
      ...(view.state ? publicState(view.state) : {}),
    });
  });

  /**
   * Who may correct this payment, decided before the body is read: vendors never; a manager only for a payment of
   * their market, with the same 403 for a payment that does not exist (ids cannot be probed); admins go on (an
   * unknown payment is their 404). The service checks again under its lock, against the state it then reads.
   */
  const preauthorize = async (req: Request, paymentId: string) => {
    const p = access.principal(req);
    if (p.role === 'admin') return;
    if (p.role !== 'market_manager') throw forbidden('only a manager of the market or an admin may correct a payment');
    const state = await corrections.state(paymentId);
    access.requireManagerOf(req, state ? CorrectionService.marketOf(state) : null);
  };

  const reverse = routes.reversePayment;
  r.post(reverse.path, access.required, async (req, res) => {
    const { paymentId } = parsePart(reverse, 'params', req.params);
    await preauthorize(req, paymentId);
    const body = parsePart(reverse, 'body', req.body);
    const entry = await corrections.reverse(
      paymentId,
      body,
      access.actor(req),
      (state) => access.requireManagerOf(req, CorrectionService.marketOf(state)),
      correlation(req),
    );
    reply(res, reverse, 201, { entry: publicEntry(entry) });
  });

  const reallocate = routes.reallocatePayment;
  r.post(reallocate.path, access.required, async (req, res) => {
    const { paymentId } = parsePart(reallocate, 'params', req.params);
    await preauthorize(req, paymentId);
    const body = parsePart(reallocate, 'body', req.body);
    const entry = await corrections.reallocate(
      paymentId,
      body,
      access.actor(req),
      (state, toMarketId) => {
        // Both ends must be the manager's market (an unidentified payment has no market: admins only).
        access.requireManagerOf(req, CorrectionService.marketOf(state));
        access.requireManagerOf(req, toMarketId);
      },
      correlation(req),
    );
    reply(res, reallocate, 201, { entry: publicEntry(entry) });
  });

  const market = routes.marketPayments;
  r.get(market.path, access.required, async (req, res) => {
    const { marketId } = parsePart(market, 'params', req.params);
    access.requireMarket(req, marketId);
    const { outcome, ...page } = parsePart(market, 'query', req.query);
    const filter: Record<string, unknown> = { kind: 'payment', marketId };
    if (outcome) filter['meta.outcome'] = outcome;
    const { items, total } = await findPage<JournalEntry>(models.entries, filter, page, { sort: { postedAt: -1 } });
    reply(res, market, 200, toPage(items.map(publicEntry), total, page));
  });

  const unidentified = routes.unidentifiedPayments;
  r.get(unidentified.path, access.required, async (req, res) => {
    access.requireAdmin(req);
    const page = parsePart(unidentified, 'query', req.query);
    const filter = { kind: 'payment' as const, 'meta.outcome': 'unknown_account' };
    const { items, total } = await findPage<JournalEntry>(models.entries, filter, page, { sort: { postedAt: -1 } });
    reply(res, unidentified, 200, toPage(items.map(publicEntry), total, page));
  });

  return r;
}
