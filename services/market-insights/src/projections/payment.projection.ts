import type { EventOfType } from '@marketqr/contracts';
import { applyOnce, mergedAcrossPartitions } from '@marketqr/messaging';
import { findIn, insertManyOnce } from '@marketqr/mongo';
import { isDuplicateKey } from '@marketqr/service-kit';
import { formatVnd, links, type AlertService } from '../alerts/alerts.service';
import { payerHash } from '../domain/payer';
import type { PaymentKind } from '../domain/stats';
import { hourKey, localTime } from '../domain/time';
import { insertOnce, type AdjustmentDoc, type PaymentFactDoc, type Store } from '../store/models';

/** A payment as it is counted: the stall it is credited to, its paidAt bucket, its kind and payer. */
interface Countable {
  paymentId: string;
  merchantId: string;
  marketId: string;
  amount: number;
  day: string;
  /** null only for a payment whose time is unknown (reallocated out of a suspense record this service never saw). */
  hour: number | null;
  kind: PaymentKind;
  payerHash: string | null;
}

/** One payment's contribution to a stall-day document: sign 1 adds it, -1 takes it away. */
function delta(p: Pick<Countable, 'amount' | 'hour' | 'kind' | 'payerHash'>, sign: 1 | -1) {
  return {
    count: sign,
    value: sign * p.amount,
    dynamicCount: p.kind === 'dynamic' ? sign : 0,
    dynamicValue: p.kind === 'dynamic' ? sign * p.amount : 0,
    staticCount: p.kind === 'static' ? sign : 0,
    staticValue: p.kind === 'static' ? sign * p.amount : 0,
    payerCount: p.payerHash ? sign : 0,
    hours: p.hour === null ? {} : { [hourKey(p.hour)]: sign },
    hourValues: p.hour === null ? {} : { [hourKey(p.hour)]: sign * p.amount },
  };
}

/** The same contribution as a `$inc` (hour maps as dotted paths). */
function increments(p: Pick<Countable, 'amount' | 'hour' | 'kind' | 'payerHash'>, sign: 1 | -1) {
  const { hours, hourValues, ...flat } = delta(p, sign);
  const inc: Record<string, number> = { ...flat };
  for (const [k, v] of Object.entries(hours)) inc[`hours.${k}`] = v;
  for (const [k, v] of Object.entries(hourValues)) inc[`hourValues.${k}`] = v;
  return inc;
}

const stallDayId = (merchantId: string, day: string) => `${merchantId}|${day}`;

/**
 * Payments into the per-stall-day counters (`stall_days`), payer facts, suspense records and their alerts.
 *
 * What counts as a cashless payment: a payment credited to a stall (payment.confirmed, or payment.flagged with
 * creditedTo "stall"), once per paymentId whatever events report it, bucketed by its paidAt in Asia/Ho_Chi_Minh,
 * moved to the receiving stall when reallocated, counted for the stall a suspense payment is reallocated to, and
 * removed again when reversed.
 *
 * Idempotency (payment.confirmed has no processed-event records: see the consumer's idempotentTypes): every counter
 * update is guarded by the payment's key (`pay:<id>`, `rev:<id>`, `realloc:<id>`) recorded in the same atomic update
 * on the stall-day document, which keeps every key of its day (never trimmed: the day bounds the list, a few
 * kilobytes for a busy stall), so the guard alone decides whether a payment was counted there. The `payment_facts`
 * document (unique paymentId), written after the counter, is what reversals and reallocations read.
 */
export class PaymentProjection {
  constructor(
    private readonly deps: {
      store: Store;
      alerts: AlertService;
      payerSalt: string;
    },
  ) {}

  private get store() {
    return this.deps.store;
  }

  /**
   * Dynamic when the bank echoed an order code (only dynamic QRs carry one) or the QR it names was issued as dynamic;
   * otherwise static (the printed poster, or a transfer typed by hand to the stall's account).
   */
  private async kindOf(orderCode: string | null, qrId: string | null): Promise<PaymentKind> {
    if (orderCode) return 'dynamic';
    if (!qrId) return 'static';
    const qr = await this.store.qrKinds.findOne({ _id: qrId }, { projection: { kind: 1 } });
    return qr?.kind === 'dynamic' ? 'dynamic' : 'static';
  }

  private async countable(d: {
    paymentId: string;
    merchantId: string;
    marketId: string;
    amount: number;
    paidAt: string;
    businessDay: string;
    orderCode: string | null;
    qrId: string | null;
    payerName: string | null;
  }): Promise<Countable> {
    // The day is the ledger's (the one the payment was booked, settled and shown on); the hour is paidAt's, which the
    // ledger set to the instant it booked by.
    const { hour } = localTime(d.paidAt);
    const day = d.businessDay;
    return {
      paymentId: d.paymentId,
      merchantId: d.merchantId,
      marketId: d.marketId,
      amount: d.amount,
      day,
      hour,
      kind: await this.kindOf(d.orderCode, d.qrId),
      payerHash: payerHash(this.deps.payerSalt, d),
    };
  }

  /** Counts a payment for its stall unless it was counted already. */
  private async count(p: Countable): Promise<boolean> {
    if (await this.store.paymentFacts.findOne({ _id: p.paymentId }, { projection: { _id: 1 } })) return false;
    await applyOnce(this.store.stallDays, {
      filter: { _id: stallDayId(p.merchantId, p.day) },
      update: {
        $setOnInsert: { merchantId: p.merchantId, marketId: p.marketId, day: p.day },
        $inc: increments(p, 1),
      },
      eventId: `pay:${p.paymentId}`,
      upsert: true,
      keep: 'all',
    });
    if (p.payerHash) {
      await insertOnce(this.store.payerDays, {
        _id: `${p.marketId}|${p.payerHash}|${p.day}`,
        marketId: p.marketId,
        payerHash: p.payerHash,
        day: p.day,
      });
    }
    await insertOnce(this.store.paymentFacts, factOf(p, new Date()));
    return true;
  }

  /**
   * A run of confirmed payments (the runs of the partitions handled at once, merged: see mergedAcrossPartitions),
   * counted with a handful of round trips whatever its length: one counter update per stall-day (the run's payments
   * summed in memory), one insert of the payer-days and one of the facts, and a read of QR kinds only for payments
   * that name a QR without an order code.
   *
   * Same guarantees as `count`: the update is guarded by every payment's key (`pay:<id>`) and pushes them all, so it
   * applies only if none of them was applied before; if one was (a redelivery after a crash between counter and
   * fact), that stall-day's payments go through `count` one by one, which skips exactly the applied ones.
   */
  readonly confirmedMany = mergedAcrossPartitions<EventOfType<'payment.confirmed'>>((es) => this.countConfirmed(es));

  private async countConfirmed(events: EventOfType<'payment.confirmed'>[]): Promise<void> {
    const unique = new Map(events.map((e) => [e.data.paymentId, e]));
    const kinds = await this.kindsOf(events.map((e) => e.data));
    // No read of the facts first: a payment counted before (a redelivery) is what the stall-day's guard refuses, and
    // that stall-day then goes one by one through `count`, which reads its facts. On FerretDB the read was one query
    // per payment.
    const fresh = [...unique.values()].map((e) => this.countableNow(e.data, kinds));
    const byStallDay = new Map<string, Countable[]>();
    for (const p of fresh) {
      const id = stallDayId(p.merchantId, p.day);
      byStallDay.set(id, [...(byStallDay.get(id) ?? []), p]);
    }
    const oneByOne: Countable[] = [];
    for (const [id, ps] of byStallDay) {
      const inc: Record<string, number> = {};
      for (const p of ps) for (const [k, v] of Object.entries(increments(p, 1))) inc[k] = (inc[k] ?? 0) + v;
      const keys = ps.map((p) => `pay:${p.paymentId}`);
      const applied = await this.store.stallDays
        .updateOne(
          { _id: id, appliedEventIds: { $nin: keys } },
          {
            $setOnInsert: { merchantId: ps[0]!.merchantId, marketId: ps[0]!.marketId, day: ps[0]!.day },
            $inc: inc,
            $push: { appliedEventIds: { $each: keys } },
          } as never,
          { upsert: true },
        )
        .then(
          (r) => r.matchedCount + r.upsertedCount > 0,
          (err: unknown) => {
            if (isDuplicateKey(err)) return false; // the document exists and holds one of the keys
            throw err;
          },
        );
      if (!applied) oneByOne.push(...ps);
    }
    for (const p of oneByOne) await this.count(p);
    const now = new Date();
    const countedNow = fresh.filter((p) => !oneByOne.includes(p));
    await insertManyOnce(
      this.store.payerDays,
      countedNow
        .filter((p) => p.payerHash)
        .map((p) => ({
          _id: `${p.marketId}|${p.payerHash}|${p.day}`,
          marketId: p.marketId,
          payerHash: p.payerHash!,
          day: p.day,
        })),
    );
    await insertManyOnce(
      this.store.paymentFacts,
      countedNow.map((p) => factOf(p, now)),
    );
    // Whether any of them sat in suspense is not asked: see `confirmed`.
  }

  /** The QR kind of every payment of a run that needs a lookup (a QR id and no order code), in one read. */
  private async kindsOf(ds: { orderCode: string | null; qrId: string | null }[]): Promise<Map<string, PaymentKind>> {
    const ids = [...new Set(ds.filter((d) => !d.orderCode && d.qrId).map((d) => d.qrId!))];
    if (!ids.length) return new Map();
    const rows = await findIn(this.store.qrKinds, ids, { projection: { kind: 1 } });
    return new Map(rows.map((r) => [r._id, r.kind === 'dynamic' ? 'dynamic' : 'static']));
  }

  /** `countable` with the QR kinds already read. */
  private countableNow(d: Parameters<PaymentProjection['countable']>[0], kinds: Map<string, PaymentKind>): Countable {
    return {
      paymentId: d.paymentId,
      merchantId: d.merchantId,
      marketId: d.marketId,
      amount: d.amount,
      day: d.businessDay,
      hour: localTime(d.paidAt).hour,
      kind: d.orderCode ? 'dynamic' : d.qrId ? (kinds.get(d.qrId) ?? 'static') : 'static',
      payerHash: payerHash(this.deps.payerSalt, d),
    };
  }

  async confirmed(e: EventOfType<'payment.confirmed'>): Promise<void> {
    const d = e.data;
    await this.count(await this.countable(d));
    // A confirmed payment never sat in suspense, so there is no suspense record to resolve: the ledger raises
    // payment.confirmed or payment.flagged from the one entry `payment:<id>`, by its outcome, and money leaves suspense
    // only by payment.reallocated (handled in `reallocated`).
  }

  async flagged(e: EventOfType<'payment.flagged'>): Promise<void> {
    const d = e.data;
    if (d.creditedTo === 'stall' && d.merchantId) {
      // Underpaid, overpaid or late, but the vendor's money all the same: it counts like a confirmed payment.
      await this.count(await this.countable({ ...d, merchantId: d.merchantId }));
      if (d.reason === 'order_code_of_other_stall') {
        // The money stays with the stall whose account the bank credited, but a person must look: a poster showing
        // this stall's account with another stall's order code is how a fake QR diverts a shopper's payment.
        await this.deps.alerts.raise({
          key: `code-of-other-stall:${d.paymentId}`,
          kind: 'order_code_of_other_stall',
          severity: 'high',
          marketId: d.marketId,
          merchantId: d.merchantId,
          title: `Khoản ${formatVnd(d.amount)} vào tài khoản của sạp này nhưng mang mã đơn của sạp khác: có thể là mã QR giả`,
          details: flaggedDetails(d),
          link: links.stall(d.merchantId),
          at: new Date(e.occurredAt),
        });
      }
      return;
    }
    const { hour } = localTime(d.paidAt);
    const day = d.businessDay;
    await insertOnce(this.store.suspense, {
      _id: d.paymentId,
      marketId: d.marketId,
      merchantId: d.merchantId,
      reason: d.reason,
      amount: d.amount,
      paidAt: new Date(d.paidAt),
      day,
      hour,
      kind: await this.kindOf(d.orderCode, d.qrId),
      payerHash: payerHash(this.deps.payerSalt, d),
      flaggedAt: new Date(e.occurredAt),
    });
    // Events of one payment travel under different keys (market, then stall), so the way out may have been seen first.
    const [resolved, counted] = await Promise.all([
      this.store.resolutions.findOne({ _id: d.paymentId }, { projection: { _id: 1 } }),
      this.store.paymentFacts.findOne({ _id: d.paymentId }, { projection: { _id: 1 } }),
    ]);
    if (resolved || counted) return;
    await this.deps.alerts.raise({
      key: `suspense:${d.paymentId}`,
      kind: 'payment_in_suspense',
      severity: 'medium',
      marketId: d.marketId,
      merchantId: d.merchantId,
      title: `Khoản thanh toán ${formatVnd(d.amount)} chưa xác định được sạp nhận`,
      details: flaggedDetails(d),
      link: links.suspense(d.paymentId),
      at: new Date(e.occurredAt),
    });
  }

  async reversed(e: EventOfType<'payment.reversed'>): Promise<void> {
    const d = e.data;
    await this.recordResolution(d.paymentId, 'reversed', d.merchantId, new Date(e.occurredAt));
    const fact = await this.store.paymentFacts.findOne({ _id: d.paymentId });
    if (!fact || fact.reversalId) return;
    // Taken off the day it was counted on (past days' figures change), on the reversing stall: the event's key, so
    // this partition is the only writer of that document.
    await applyOnce(this.store.stallDays, {
      filter: { _id: stallDayId(d.merchantId, fact.day) },
      update: {
        $setOnInsert: { merchantId: d.merchantId, marketId: d.marketId, day: fact.day },
        $inc: increments(fact, -1),
      },
      eventId: `rev:${d.paymentId}`,
      upsert: true,
      keep: 'all',
    });
    await this.store.paymentFacts.updateOne({ _id: d.paymentId }, { $set: { reversalId: d.reversalId } });
  }

  async reallocated(e: EventOfType<'payment.reallocated'>): Promise<void> {
    const d = e.data;
    const at = new Date(e.occurredAt);
    await this.recordResolution(d.paymentId, 'reallocated', d.toMerchantId, at);

    const adjustmentId = `realloc:${d.reallocationId}`;
    let moved = await this.store.adjustments.findOne({ _id: adjustmentId });
    if (!moved) {
      const fact = await this.store.paymentFacts.findOne({ _id: d.paymentId });
      if (!fact) {
        // Out of suspense (or a payment never counted): it becomes the receiving stall's, at its original time.
        const held = await this.store.suspense.findOne({ _id: d.paymentId });
        await this.count({
          paymentId: d.paymentId,
          merchantId: d.toMerchantId,
          marketId: d.marketId,
          amount: held?.amount ?? d.amount,
          day: held?.day ?? d.businessDay,
          hour: held?.hour ?? null,
          kind: held?.kind ?? 'static',
          payerHash: held?.payerHash ?? null,
        });
        return;
      }
      if (fact.merchantId === d.toMerchantId) return; // already where it is being moved to
      // The giving stall's counters belong to its own partition: record the removal as a fact, added at query time.
      const adjustment: AdjustmentDoc = {
        _id: adjustmentId,
        reallocationId: d.reallocationId,
        paymentId: d.paymentId,
        toMerchantId: d.toMerchantId,
        merchantId: fact.merchantId,
        marketId: fact.marketId,
        day: fact.day,
        amount: fact.amount,
        hour: fact.hour,
        kind: fact.kind,
        payerHash: fact.payerHash,
        ...delta(fact, -1),
      };
      await insertOnce(this.store.adjustments, adjustment);
      moved = adjustment;
    }
    await applyOnce(this.store.stallDays, {
      filter: { _id: stallDayId(d.toMerchantId, moved.day) },
      update: {
        $setOnInsert: { merchantId: d.toMerchantId, marketId: d.marketId, day: moved.day },
        $inc: increments(moved, 1),
      },
      eventId: adjustmentId,
      upsert: true,
      keep: 'all',
    });
    await this.store.paymentFacts.updateOne({ _id: d.paymentId }, { $set: { merchantId: d.toMerchantId } });
  }

  /** Records how a flagged payment was dealt with, and clears its suspense alert. */
  private async recordResolution(
    paymentId: string,
    how: 'reallocated' | 'reversed' | 'confirmed',
    merchantId: string | null,
    at: Date,
  ): Promise<void> {
    await insertOnce(this.store.resolutions, { _id: paymentId, how, merchantId, at });
    await this.deps.alerts.resolve(`suspense:${paymentId}`, how, at);
  }
}

/** The record that a payment was counted (written after its counter). */
function factOf(p: Countable, countedAt: Date): PaymentFactDoc {
  return {
    _id: p.paymentId,
    merchantId: p.merchantId,
    marketId: p.marketId,
    amount: p.amount,
    day: p.day,
    hour: p.hour,
    kind: p.kind,
    payerHash: p.payerHash,
    countedAt,
  };
}

/** What an alert about a flagged payment shows a manager. */
function flaggedDetails(d: EventOfType<'payment.flagged'>['data']) {
  return {
    paymentId: d.paymentId,
    reason: d.reason,
    amount: d.amount,
    paidAt: d.paidAt,
    bankTransactionId: d.bankTransactionId,
    description: d.description,
  };
}
