import { DeleteBatcher } from '@marketqr/mongo';
import {
  periodicResource,
  type Clock,
  type Logger,
  type Resource,
  unlessDuplicate,
  backoffMs,
} from '@marketqr/service-kit';
import { accounts } from '../domain/accounts';
import {
  accountAndCodeDisagree,
  bestQr,
  decide,
  forReview,
  implausibility,
  orderCodeCandidates,
  squash,
  type Credit,
  type Decision,
  type Plausibility,
  type QrRef,
} from '../domain/matching';
import type { Notification } from '../domain/notification';
import { payerFacts } from '../domain/payer';
import { businessDayOf } from '../domain/time';
import type { Cause } from '../events';
import type { Ledger } from '../ledger/ledger';
import type { LedgerMetrics } from '../metrics';
import type { Models, WorkItem } from '../store/models';
import { toQrRef, toStallRef, type Projections } from './projections';

export interface ProcessorOptions {
  holdMs: number;
  graceMs: number;
  pollMs: number;
  concurrency: number;
  orderCodePattern: RegExp;
  /** Key of the payer-account hash on payment events (PAYER_HASH_KEY). */
  payerHashKey: string;
  /** Per provider: what a believable notification looks like (PLAUSIBLE_MAX_AMOUNTS, PLAUSIBLE_CLOCK_SKEW_MS). */
  plausibility: (provider: Notification['provider']) => Plausibility;
}

export type ProcessOutcome = 'posted' | 'held' | 'failed';

/**
 * Turns stored notifications into journal entries. The webhook hands each new one over at once (`submit`) and waits
 * for it a little; a poller picks up whatever has a work item: notifications that took longer than that wait, held
 * ones whose wait is over, failed attempts, deliveries retried after a crash. Posting is idempotent by the entry's
 * source key `payment:<paymentId>`, so two processors (two replicas, or the poller racing the webhook) can at worst
 * both match one notification: one entry wins, the other gets "already done".
 *
 * A work item (`inbox_queue`) exists only for notifications that are not posted by the time the webhook answers:
 * the common case — posted while the bank waits for its 200 — costs no queue writes at all.
 */
export class InboxProcessor {
  /** Items queued or running here, each with the promise of its outcome. */
  private readonly inFlight = new Map<string, Promise<ProcessOutcome>>();
  private readonly queue: { item: WorkItem; recheck: boolean; done: (o: ProcessOutcome) => void }[] = [];
  /** Items with a stored work item, to be deleted (or updated) when their processing ends. */
  private readonly stored = new Set<string>();
  /** Held items whose explanation arrived while they were being held: matched again as soon as they are. */
  private readonly rematchWhenDone = new Map<string, WorkItem>();
  /** Payments this process posted completely (with their amount), most recent last; bounded. */
  private readonly finished = new Map<string, number>();
  private polls = 0;
  private active = 0;
  /** Work items of posted payments, deleted many at a time (under load every payment has one: see the webhook). */
  private readonly workDone: DeleteBatcher<WorkItem>;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly deps: {
      models: Models;
      projections: Projections;
      ledger: Ledger;
      logger: Logger;
      metrics: LedgerMetrics;
      options: ProcessorOptions;
      /** Decides when a hold is over and what is due (tests move it instead of waiting out MATCH_HOLD_MS). */
      clock: Clock;
    },
  ) {
    this.workDone = new DeleteBatcher(deps.models.work, { maxItems: 200, maxWaitMs: 2 });
  }

  /**
   * Work on this item soon (bounded concurrency); resolves with the outcome. Repeated submits of an item in hand get
   * the same promise. `stored`: the item came from the work queue (it is deleted when done). `recheck`: the item
   * may already be posted (found by the poller: a crash after posting, a late duplicate delivery), so look for its
   * entry before matching again.
   */
  submit(item: WorkItem, opts: { recheck?: boolean; stored?: boolean } = {}): Promise<ProcessOutcome> {
    const running = this.inFlight.get(item._id);
    if (running) return running;
    if (opts.stored) this.stored.add(item._id);
    let done!: (o: ProcessOutcome) => void;
    const outcome = new Promise<ProcessOutcome>((r) => (done = r));
    this.inFlight.set(item._id, outcome);
    this.queue.push({ item, recheck: opts.recheck ?? false, done });
    this.drain();
    return outcome;
  }

  /** The webhook is writing a work item for this one (it was not posted in time): delete it when posted. */
  persisting(paymentId: string): void {
    this.stored.add(paymentId);
  }

  /** Whether this process is working on the payment or has posted it completely. */
  knows(paymentId: string): boolean {
    return this.inFlight.has(paymentId) || this.finished.has(paymentId);
  }

  hasFinished(paymentId: string): boolean {
    return this.finished.has(paymentId);
  }

  private async finish(paymentId: string, amount: number) {
    this.finished.set(paymentId, amount);
    if (this.finished.size > 100_000) this.finished.delete(this.finished.keys().next().value!);
    if (this.stored.delete(paymentId)) await this.workDone.delete(paymentId);
  }

  private drain() {
    while (this.active < this.deps.options.concurrency && this.queue.length > 0) {
      const { item, recheck, done } = this.queue.shift()!;
      this.active++;
      let outcome: ProcessOutcome = 'failed';
      this.processSafely(item, recheck)
        .then((o) => (outcome = o))
        .finally(() => {
          this.active--;
          this.inFlight.delete(item._id);
          done(outcome);
          const again = this.rematchWhenDone.get(item._id);
          if (again) {
            this.rematchWhenDone.delete(item._id);
            if (outcome === 'held') void this.submit(again, { stored: true });
          }
          if (this.active === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((w) => w());
          this.drain();
        });
    }
  }

  private async processSafely(item: WorkItem, recheck: boolean): Promise<ProcessOutcome> {
    try {
      if (recheck && (await this.settleIfDone(item))) return 'posted';
      return await this.process(item);
    } catch (err) {
      const attempts = item.attempts + 1;
      this.deps.logger.warn(
        { paymentId: item._id, attempts, err: (err as Error).message },
        'posting a notification failed',
      );
      // Without a stored work item the webhook writes one (with the retry time) before it answers.
      if (this.stored.has(item._id)) {
        await this.deps.models.work
          .updateOne(
            { _id: item._id },
            { $set: { attempts, nextAttemptAt: retryAt(attempts), lastError: (err as Error).message } },
          )
          .catch(() => undefined);
      }
      return 'failed';
    }
  }

  /**
   * For work found by the poller: already posted (finish the postings, drop the item), or still to do.
   */
  private async settleIfDone(item: WorkItem): Promise<boolean> {
    const { models, ledger } = this.deps;
    const entryId = `payment:${item._id}`;
    // The common case here is a late duplicate delivery of a payment long posted: both postings are there.
    if (await ledger.isPosted(entryId)) {
      await this.finish(item._id, item.notification.amount);
      return true;
    }
    const entry = await models.entries.findOne({ _id: entryId });
    if (entry) {
      await ledger.complete(entry);
      await this.finish(item._id, item.notification.amount);
      return true;
    }
    return false;
  }

  /** Resolves once nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async process(item: WorkItem): Promise<ProcessOutcome> {
    const { models, projections, ledger, options } = this.deps;
    const n = item.notification;
    const now = this.deps.clock.now().getTime();
    const doubt = implausibility(n, item.receivedAt, options.plausibility(n.provider));
    // An implausible notification waits for nothing: it goes to review at once.
    const holdExpired = doubt !== null || now >= item.receivedAt.getTime() + options.holdMs;

    // Who received it: the virtual account if named (some providers put it in accountNumber instead).
    const namedVa = n.virtualAccount;
    let stall = namedVa ? await projections.stallByVirtualAccount(namedVa) : null;
    if (!stall && !namedVa && n.accountNumber) stall = await projections.stallByVirtualAccount(n.accountNumber);

    // Which dynamic QR the description names, if any.
    const { patterned, tokens } = orderCodeCandidates(`${n.description} ${n.code ?? ''}`, options.orderCodePattern);
    const codes = new Set([...patterned, ...tokens]);
    const squashed = squash(`${n.description} ${n.code ?? ''}`);
    // The store is asked only for codes the pattern finds (every order code is drawn from it): the receiving stall's
    // own QRs are compared with every token and searched for in the whole description anyway, and a lookup per
    // ordinary word of the description ("CHUYEN", "TIEN", the payer's name) was most of the money path's queries.
    const found = await projections.qrCandidates(patterned, stall?._id ?? null);
    const byCode = found.filter((q) => q.orderCode && codes.has(q.orderCode));
    const ofStall = found.filter(
      (q) => stall && q.merchantId === stall._id && q.orderCode && squashed.includes(squash(q.orderCode)),
    );
    const candidates = [...byCode, ...ofStall]
      .map(toQrRef)
      .filter((q): q is QrRef => q !== null)
      .filter((q, i, all) => all.findIndex((o) => o.qrId === q.qrId) === i);
    const qr = bestQr(candidates, n);
    const known = new Set(candidates.map((q) => q.orderCode));
    const unknownOrderCodes = patterned.filter((c) => !known.has(c));

    let qrPaidByOther = false;
    // A QR is claimed (paid) only by money that reached its own stall's account: another stall's order code in the
    // description does not pay it (see decide: order_code_of_other_stall).
    const ownStall = stall ? toStallRef(stall) : null;
    if (qr && !doubt && !accountAndCodeDisagree(ownStall, qr)) {
      qrPaidByOther = !(await this.claimQr(qr.qrId, item._id));
    }

    const decided = decide({
      n,
      stallByAccount: ownStall,
      unknownVirtualAccount: namedVa && !stall ? namedVa : null,
      qr,
      qrPaidByOther,
      unknownOrderCodes,
      marketOfAccount: await projections.marketOfAccount(n.accountNumber),
      holdExpired,
    });

    const decision = doubt && decided.action === 'post' ? forReview(decided, doubt) : decided;
    if (decision.action === 'hold') {
      const holdUntil = new Date(item.receivedAt.getTime() + options.holdMs);
      const held: WorkItem = {
        ...item,
        state: 'held',
        holdUntil,
        nextAttemptAt: holdUntil,
        refs: { orderCodes: decision.orderCodes, virtualAccount: decision.virtualAccount },
      };
      // Written by the one processor holding this item now; a held notification must survive a restart.
      await models.work.replaceOne({ _id: item._id }, held, { upsert: true });
      this.stored.add(item._id);
      this.deps.logger.info({ paymentId: item._id, why: decision.why, holdUntil }, 'notification held');
      // The event that explains it may have been applied while this was deciding: its rematch then found nothing held
      // yet (or this very item in hand) and let it be. Look once more now that the hold is written, so a notification
      // is never held for MATCH_HOLD_MS for an event that has already arrived.
      if (await this.explainedNow(decision)) this.rematchWhenDone.set(item._id, held);
      return 'held';
    }

    // A work item (if there is one) stays until the postings are written: it, not a pending marker, is what finds
    // an interrupted payment entry again. Without one, the webhook has not answered yet (see WebhookService).
    const result = await ledger.post(this.paymentEntry(item, decision), { trackedByCaller: true });
    if (!result.duplicate) this.deps.metrics.payments.inc({ outcome: decision.outcome });
    if (decision.matchedBy === 'virtual_account' && decision.credit.to === 'stall' && n.accountNumber && namedVa) {
      await projections
        .learnCollectionAccount(n.accountNumber, decision.credit.marketId, item._id)
        .catch((e: Error) => this.deps.logger.warn({ err: e.message }, 'could not remember a collection account'));
    }
    await this.finish(item._id, item.notification.amount);
    return 'posted';
  }

  /** The first payment naming a dynamic QR claims it; a claim already ours (a retry) still counts as ours. */
  private async claimQr(qrId: string, paymentId: string): Promise<boolean> {
    if (await unlessDuplicate(this.deps.models.qrClaims.insertOne({ _id: qrId, paymentId, at: new Date() })))
      return true;
    const claim = await this.deps.models.qrClaims.findOne({ _id: qrId });
    return claim?.paymentId === paymentId;
  }

  private paymentEntry(item: WorkItem, d: Extract<Decision, { action: 'post' }>) {
    const n = item.notification;
    const paymentId = item._id;
    // The instant the money is booked at, for every service: the bank's time, unless it was not believed (then when
    // it reached us). Events carry it as paidAt with its businessDay, so no consumer derives a day of its own.
    const bookedAt = d.notes.includes('bank_time_implausible') ? item.receivedAt : n.bankTime;
    const notes = d.notes;
    const businessDay = businessDayOf(bookedAt);
    const { bank, credited } = creditAccounts(d.credit);
    const cause: Cause = { correlationId: paymentId, causationId: paymentId };
    const payerName = n.counterparty?.name?.slice(0, 200) ?? null;
    const payer = payerFacts(this.deps.options.payerHashKey, n.counterparty);
    const description = n.description.slice(0, 500);
    const common = {
      paymentId,
      amount: n.amount,
      bankTransactionId: n.providerTxId,
      qrId: d.qr?.qrId ?? null,
      orderCode: d.qr ? d.qr.orderCode.slice(0, 25) : null,
      expectedAmount: d.qr?.amount ?? null,
      payerName,
      description,
      paidAt: bookedAt.toISOString(),
      businessDay,
    };
    return {
      id: `payment:${paymentId}`,
      kind: 'payment' as const,
      reference: { type: 'payment', id: paymentId },
      paymentId,
      marketId: d.credit.to === 'unidentified' ? null : d.credit.marketId,
      merchantId: d.credit.to === 'stall' ? d.credit.merchantId : null,
      businessDay,
      description: n.description,
      postings: [
        { account: bank, amount: n.amount },
        { account: credited, amount: -n.amount },
      ],
      meta: {
        amount: n.amount,
        outcome: d.outcome,
        matchedBy: d.matchedBy,
        creditedTo: d.credit.to,
        notes,
        provider: n.provider,
        bankTransactionId: n.providerTxId,
        stallCode: d.credit.to === 'stall' ? d.credit.stallCode : null,
        qrId: common.qrId,
        orderCode: common.orderCode,
        expectedAmount: common.expectedAmount,
        ...(d.conflictingQr
          ? {
              conflictingQr: {
                qrId: d.conflictingQr.qrId,
                merchantId: d.conflictingQr.merchantId,
                stallCode: d.conflictingQr.stallCode,
                orderCode: d.conflictingQr.orderCode,
                amount: d.conflictingQr.amount,
              },
            }
          : {}),
        payerName,
        ...payer,
        description,
        paidAt: common.paidAt,
        // What the bank said, kept even when it was not believed (paidAt is then when it reached us).
        bankTime: n.bankTime.toISOString(),
        receivedAt: item.receivedAt.toISOString(),
        holderAccount: credited,
        holderMarketId: d.credit.to === 'unidentified' ? null : d.credit.marketId,
        bankAccount: bank,
        correlationId: cause.correlationId,
        causationId: cause.causationId,
      },
    };
  }

  private async explainedNow(d: Extract<Decision, { action: 'hold' }>): Promise<boolean> {
    const { projections } = this.deps;
    // From the store, not the directory: this is the check for an event applied a moment ago, anywhere.
    if (d.virtualAccount && (await projections.stallByVirtualAccount(d.virtualAccount, { fresh: true }))) return true;
    if (d.orderCodes.length === 0) return false;
    const known = await projections.qrCandidates(d.orderCodes, null);
    return known.some((q) => q.orderCode && d.orderCodes.includes(q.orderCode.toUpperCase()));
  }

  /** Held items that were waiting for this order code or virtual account: try them again now. */
  async rematch(ref: { orderCode?: string | null; virtualAccount?: string | null }): Promise<number> {
    if (!ref.orderCode && !ref.virtualAccount) return 0;
    const held = (await this.deps.models.work.find({ state: 'held' }).limit(1_000).toArray()) as WorkItem[];
    const code = ref.orderCode?.toUpperCase();
    const hits = held.filter(
      (w) =>
        (code && w.refs.orderCodes.includes(code)) ||
        (ref.virtualAccount && w.refs.virtualAccount === ref.virtualAccount),
    );
    hits.forEach((w) => void this.submit(w, { stored: true }));
    return hits.length;
  }

  /** Everything due: notifications nobody took (a replica died), held ones whose wait is over, retries. */
  async poll(): Promise<number> {
    const due = (await this.deps.models.work
      .find({ nextAttemptAt: { $lte: this.deps.clock.now() } })
      .limit(500)
      .toArray()) as WorkItem[];
    due.forEach((w) => void this.submit(w, { recheck: true, stored: true }));
    // Counting is a scan on FerretDB: only now and then.
    if (this.polls++ % 10 === 0) this.deps.metrics.inboxPending.set(await this.deps.models.work.countDocuments({}));
    return due.length;
  }

  resource(): Resource {
    // A failed poll is retried on the next tick; the database being away already shows in /readyz through its own
    // resource, so the poller does not report it twice.
    const poller = periodicResource({
      name: 'inbox-processor',
      intervalMs: this.deps.options.pollMs,
      firstRunAfterMs: this.deps.options.pollMs,
      unreadyAfterFailures: 0,
      logger: this.deps.logger,
      run: () => this.poll(),
    });
    return {
      ...poller,
      stop: async () => {
        await poller.stop();
        // Work queued but not started is handed back (its record stays due, so the next owner picks it up).
        this.queue.splice(0).forEach((w) => {
          this.inFlight.delete(w.item._id);
          w.done('failed');
        });
        await this.idle();
      },
    };
  }
}

export function creditAccounts(credit: Credit): { bank: string; credited: string } {
  switch (credit.to) {
    case 'stall':
      return { bank: accounts.marketBank(credit.marketId), credited: accounts.stallPayable(credit.merchantId) };
    case 'suspense':
      return { bank: accounts.marketBank(credit.marketId), credited: accounts.marketSuspense(credit.marketId) };
    case 'unidentified':
      return { bank: accounts.unidentifiedBank, credited: accounts.unidentifiedSuspense };
  }
}

/** When a failed attempt is tried again: doubling from 1 s, at most a minute. */
export const retryAt = (attempts: number) =>
  new Date(Date.now() + backoffMs(attempts + 1, { baseMs: 500, capMs: 60_000 }));

/** The work item a freshly stored notification starts as. */
export function workItemFor(paymentId: string, n: Notification, receivedAt: Date, graceMs: number): WorkItem {
  return {
    _id: paymentId,
    notification: n,
    receivedAt,
    state: 'received',
    nextAttemptAt: new Date(receivedAt.getTime() + graceMs),
    attempts: 0,
    holdUntil: null,
    refs: { orderCodes: [], virtualAccount: null },
    lastError: null,
  };
}
