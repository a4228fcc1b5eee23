import type { EventOfType } from '@marketqr/contracts';
import type { BatchHandlers, EventHandlers } from '@marketqr/messaging';
import { insertManyOnce } from '@marketqr/mongo';
import { businessDayOf } from '../domain/business-day';
import { type ContributionDoc, type CreditDoc, type Models } from '../store/models';
import { unlessDuplicate } from '@marketqr/service-kit';

type Confirmed = EventOfType<'payment.confirmed'>;
type Flagged = EventOfType<'payment.flagged'>;
type Reversed = EventOfType<'payment.reversed'>;
type Reallocated = EventOfType<'payment.reallocated'>;

/**
 * Turns payment events into contributions: one inserted document per effect on a stall's money, on the business day
 * the event carries (not the day it arrived). Inserts only: the unique `_id` (the business fact, not the event id) is
 * the idempotency, so a redelivery, a replay by the producer or a confirmation of a payment already counted from its
 * flag changes nothing. Inserting also means a reallocation can debit the giving stall from the receiving stall's
 * partition without ever racing that stall's own writer (FerretDB keeps concurrent inserts exact).
 */
/** The bank credit of a payment, and its contribution to the stall's money when a stall was credited. */
function creditedDocs(e: Confirmed | Flagged, creditedTo: 'stall' | 'suspense') {
  const d = e.data;
  const credit: Omit<CreditDoc, 'bankDay'> = {
    _id: d.bankTransactionId,
    marketId: d.marketId,
    merchantId: d.merchantId ?? null,
    paymentId: d.paymentId,
    amount: d.amount,
    businessDay: d.businessDay,
    paidAt: new Date(d.paidAt),
    creditedTo,
  };
  const contribution: Omit<ContributionDoc, 'recordedAt' | 'batchId'> | null =
    creditedTo === 'stall' && d.merchantId
      ? {
          _id: `pay:${d.paymentId}`,
          merchantId: d.merchantId,
          marketId: d.marketId,
          businessDay: d.businessDay,
          kind: 'payment',
          amount: d.amount,
          count: 1,
          paymentId: d.paymentId,
          bankTransactionId: d.bankTransactionId,
          eventId: e.eventId,
        }
      : null;
  return { credit, contribution };
}

/**
 * Confirmed payments a run at a time: the same inserts as one by one, in two `insertMany`s for the whole run (credits,
 * then contributions), duplicates skipped the same way.
 */
export function paymentEventBatchHandlers(models: Models): BatchHandlers {
  return {
    'payment.confirmed': async (es) => {
      const docs = es.map((e) => creditedDocs(e, 'stall'));
      const recordedAt = new Date();
      // Through the models, so the documents are cast and defaulted as `create` would store them.
      await insertManyOnce(
        models.Credit.collection,
        docs.map(({ credit: c }) => new models.Credit({ ...c, bankDay: businessDayOf(c.paidAt) }).toObject()),
      );
      await insertManyOnce(
        models.Contribution.collection,
        docs.flatMap(({ contribution: k }) =>
          k ? [new models.Contribution({ ...k, recordedAt, batchId: null }).toObject()] : [],
        ),
      );
    },
  };
}

export function paymentEventHandlers(models: Models): EventHandlers {
  const insert = async <T>(model: { create(doc: T): Promise<unknown> }, doc: T) => {
    await unlessDuplicate(model.create(doc));
  };
  const contribution = (c: Omit<ContributionDoc, 'recordedAt' | 'batchId'>) =>
    insert(models.Contribution, { ...c, recordedAt: new Date(), batchId: null });
  const credit = (c: Omit<CreditDoc, 'bankDay'>) => insert(models.Credit, { ...c, bankDay: businessDayOf(c.paidAt) });

  const credited = async (e: Confirmed | Flagged, creditedTo: 'stall' | 'suspense') => {
    const { credit: c, contribution: k } = creditedDocs(e, creditedTo);
    await credit(c);
    if (k) await contribution(k);
  };

  return {
    'payment.confirmed': (e) => credited(e, 'stall'),
    // Money held in suspense is the market's until a manager reallocates it; only its bank credit is recorded.
    'payment.flagged': (e) => credited(e, e.data.creditedTo),
    'payment.reversed': async (e: Reversed) => {
      const d = e.data;
      await contribution({
        _id: `rev:${d.reversalId}`,
        merchantId: d.merchantId,
        marketId: d.marketId,
        // The day it is booked on; if that day's line is already closed, the next line takes it as an adjustment.
        businessDay: d.businessDay,
        kind: 'reversal',
        amount: -d.amount,
        count: -1,
        paymentId: d.paymentId,
        bankTransactionId: d.bankTransactionId,
        eventId: e.eventId,
      });
    },
    'payment.reallocated': async (e: Reallocated) => {
      const d = e.data;
      const base = {
        marketId: d.marketId,
        businessDay: d.businessDay,
        paymentId: d.paymentId,
        bankTransactionId: d.bankTransactionId,
        eventId: e.eventId,
      };
      if (d.fromMerchantId) {
        await contribution({
          ...base,
          _id: `rea:${d.reallocationId}:out`,
          merchantId: d.fromMerchantId,
          kind: 'reallocation_out',
          amount: -d.amount,
          count: -1,
        });
      }
      await contribution({
        ...base,
        // From suspense this is the payment's first credit to any stall: keyed like one, so a later confirmation of
        // the same payment is recognised as the same money.
        _id: d.fromMerchantId ? `rea:${d.reallocationId}:in` : `pay:${d.paymentId}`,
        merchantId: d.toMerchantId,
        kind: 'reallocation_in',
        amount: d.amount,
        count: 1,
      });
    },
  };
}
