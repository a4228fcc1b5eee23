import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, type Logger, unlessDuplicate } from '@marketqr/service-kit';
import type { Outbox } from '@marketqr/messaging';
import { businessDayOf, isBusinessDay } from '../domain/business-day';
import { batchIdOf, lineIdOf, payoutKeyOf } from '../domain/ids';
import type { FeeSchedule } from '../domain/fees';
import { computeLine, holdReason, type LineState } from '../domain/line';
import { batchCreatedEvent, type Cause } from '../events';
import type { ChargesService } from '../charges/charges.service';
import type { MarketSettings } from '../fees/market-settings.service';
import type { SettlementMetrics } from '../metrics';
import {
  type BatchDoc,
  type ChargeItem,
  type ContributionDoc,
  type LineDoc,
  type LinePayout,
  type Models,
  type StallDoc,
} from '../store/models';

export interface CutoffResult {
  batch: BatchDoc;
  created: boolean;
}

export interface CutoffTrigger {
  kind: 'scheduler' | 'admin';
  by: string;
}

/**
 * Closes a market's business day into a batch: one line per stall that has something to settle.
 *
 * Exactly one closer works on a market at a time, across replicas: it first inserts the market's `cutoff_slots`
 * document (exactly one concurrent insert wins on MongoDB and FerretDB alike), and the batch itself is an insert of
 * an id derived from (market, day), so the scheduler of every replica and an admin may all try: one batch results.
 *
 * A line takes every contribution of its stall not yet settled with a business day up to the batch's day: its own
 * day's payments, and earlier days' arrivals that came after those days were closed (late payments, reversals of a
 * day already paid). It also rolls in the stall's carried line, if any. Building a line is repeatable: the line's id
 * is derived from (stall, day) and it records what it took, then marks it; a crash in between is finished by
 * whoever closes the batch next (see `recoverStale`).
 */
export class CutoffService {
  constructor(
    private readonly deps: {
      models: Models;
      outbox: Outbox;
      settings: MarketSettings;
      charges: ChargesService;
      metrics: SettlementMetrics;
      logger: Logger;
      /** This process, in the slot document: who is closing. */
      owner: string;
      staleMs: number;
      /** Lines are ready to pay: wake the payout worker. */
      onLinesReady: () => void;
    },
  ) {}

  async cutoff(marketId: string, day: string, trigger: CutoffTrigger, cause: Cause): Promise<CutoffResult> {
    const { models } = this.deps;
    if (!isBusinessDay(day)) throw badRequest('SETTLEMENT.INVALID_DAY', `${day} is not a YYYY-MM-DD calendar day`);
    if (day > businessDayOf(new Date())) {
      throw badRequest('SETTLEMENT.DAY_IN_FUTURE', `${day} has not begun in Asia/Ho_Chi_Minh yet`);
    }
    const batchId = batchIdOf(marketId, day);
    const existing = await models.Batch.findById(batchId).lean<BatchDoc>();
    if (existing) return { batch: existing, created: false };

    const slot = await this.takeSlot(marketId, batchId, day);
    if (!slot) {
      const held = await models.CutoffSlot.findById(marketId).lean();
      throw conflict('SETTLEMENT.CUTOFF_IN_PROGRESS', `a cut-off of ${marketId} is in progress`, {
        businessDay: held?.businessDay,
      });
    }
    try {
      const again = await models.Batch.findById(batchId).lean<BatchDoc>();
      if (again) return { batch: again, created: false };
      const latest = await models.Batch.findOne({ marketId }).sort({ businessDay: -1 }).lean<BatchDoc>();
      if (latest && latest.businessDay > day) {
        throw conflict('SETTLEMENT.DAY_ALREADY_CLOSED', `a later day (${latest.businessDay}) is already cut off`, {
          latestBusinessDay: latest.businessDay,
        });
      }
      if (latest && latest.state === 'closing') {
        // Its lines must be complete before a later day may take what is left.
        throw conflict('SETTLEMENT.CUTOFF_IN_PROGRESS', `the cut-off of ${latest.businessDay} is not finished`, {
          businessDay: latest.businessDay,
        });
      }
      const now = new Date();
      const batch: BatchDoc = {
        _id: batchId,
        marketId,
        businessDay: day,
        cutoffAt: now,
        state: 'closing',
        trigger: trigger.kind,
        createdBy: trigger.by,
        lineIds: [],
        payableCount: 0,
        carriedCount: 0,
        totalNet: 0,
        createdAt: now,
        closedAt: null,
      };
      if (!(await unlessDuplicate(models.Batch.create(batch)))) {
        return { batch: (await models.Batch.findById(batchId).lean<BatchDoc>())!, created: false };
      }
      this.deps.metrics.batches.inc({ trigger: trigger.kind });
      const closed = await this.close(batch, cause);
      return { batch: closed, created: true };
    } finally {
      await slot.release();
    }
  }

  /**
   * Finishes what a dead closer left: slots whose holder stopped refreshing them are freed, and batches still
   * `closing` are closed again by whoever takes the market's slot. Run by the payout worker (one replica at a time).
   */
  async recoverStale(): Promise<number> {
    const { models, staleMs } = this.deps;
    const staleBefore = new Date(Date.now() - staleMs);
    for (const slot of await models.CutoffSlot.find({ heartbeatAt: { $lt: staleBefore } }).lean()) {
      await models.CutoffSlot.deleteOne({ _id: slot._id, token: slot.token, heartbeatAt: slot.heartbeatAt });
    }
    let recovered = 0;
    const stuck = await models.Batch.find({ state: 'closing', createdAt: { $lt: staleBefore } })
      .sort({ businessDay: 1 })
      .lean<BatchDoc[]>();
    for (const batch of stuck) {
      const slot = await this.takeSlot(batch.marketId, batch._id, batch.businessDay);
      if (!slot) continue;
      try {
        this.deps.logger.warn({ batchId: batch._id, marketId: batch.marketId }, 'finishing an interrupted cut-off');
        await this.close(batch, { correlationId: batch._id, causationId: `recovery:${batch._id}` });
        recovered++;
      } finally {
        await slot.release();
      }
    }
    return recovered;
  }

  /** The market's slot, refreshed while held; null when another closer holds it. */
  private async takeSlot(marketId: string, batchId: string, businessDay: string) {
    const { models, owner, staleMs, logger } = this.deps;
    const token = randomUUID();
    const slot = { _id: marketId, batchId, businessDay, owner, token, heartbeatAt: new Date() };
    if (!(await unlessDuplicate(models.CutoffSlot.create(slot)))) return null;
    // Only this holder writes its slot document, so the refresh cannot race another writer.
    const timer = setInterval(
      () => {
        models.CutoffSlot.updateOne({ _id: marketId, token }, { $set: { heartbeatAt: new Date() } }).catch(
          (err: Error) => logger.warn({ marketId, err: err.message }, 'cut-off slot refresh failed'),
        );
      },
      Math.max(250, Math.floor(staleMs / 4)),
    );
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await models.CutoffSlot.deleteOne({ _id: marketId, token }).catch(() => undefined);
      },
    };
  }

  private async close(batch: BatchDoc, cause: Cause): Promise<BatchDoc> {
    const { models, settings } = this.deps;
    // Everything the market's lines need, read once: a market has hundreds of stalls, and a round trip per stall and
    // collection would make the cut-off take minutes on FerretDB.
    const [unsettled, carried, built, schedule, sourceAccount] = await Promise.all([
      models.Contribution.find({ marketId: batch.marketId, batchId: null, businessDay: { $lte: batch.businessDay } })
        .sort({ _id: 1 })
        .lean<ContributionDoc[]>(),
      models.Line.find({ marketId: batch.marketId, state: 'carried', rolledInto: null }).lean<LineDoc[]>(),
      models.Line.find({ batchId: batch._id }).lean<LineDoc[]>(),
      settings.schedule(batch.marketId),
      settings.collectionAccount(batch.marketId),
    ]);
    const byStall = <T extends { merchantId: string }>(xs: T[]) => {
      const m = new Map<string, T[]>();
      for (const x of xs) m.set(x.merchantId, [...(m.get(x.merchantId) ?? []), x]);
      return m;
    };
    const contributionsOf = byStall(unsettled);
    const carriedOf = byStall(carried);
    const builtOf = new Map(built.map((l) => [l.merchantId, l]));
    const merchants = [...new Set([...contributionsOf.keys(), ...carriedOf.keys(), ...builtOf.keys()])].sort();
    const [stalls, charges] = await Promise.all([
      models.Stall.find({ _id: { $in: merchants } }).lean<StallDoc[]>(),
      this.deps.charges.nettedFor(merchants),
    ]);
    const stallOf = new Map(stalls.map((s) => [s._id, s]));

    // Stalls touch disjoint documents (their own contributions and lines), so a few are built at once.
    let next = 0;
    const lane = async () => {
      while (next < merchants.length) {
        const merchantId = merchants[next++]!;
        await this.buildLine(batch, merchantId, {
          existing: builtOf.get(merchantId),
          contributions: contributionsOf.get(merchantId) ?? [],
          carried: (carriedOf.get(merchantId) ?? []).filter((l) => l.batchId !== batch._id),
          stall: stallOf.get(merchantId),
          charges: charges.get(merchantId),
          schedule,
          sourceAccount,
        });
      }
    };
    // All lanes finish before a failure is reported: none may still be writing once the slot is released.
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(8, merchants.length) }, lane));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;

    const lines = await models.Line.find({ batchId: batch._id }).sort({ _id: 1 }).lean<LineDoc[]>();
    // Marking is repeatable: a crash before it leaves the batch `closing`, and the next closer marks again.
    const taken = lines.flatMap((l) => l.contributionIds);
    for (let i = 0; i < taken.length; i += 5_000) {
      await models.Contribution.updateMany(
        { _id: { $in: taken.slice(i, i + 5_000) }, batchId: null },
        { $set: { batchId: batch._id } },
      );
    }
    const payable = lines.filter((l) => l.state !== 'carried');
    const closedAt = new Date();
    const set = {
      state: lines.length ? ('open' as const) : ('empty' as const),
      lineIds: lines.map((l) => l._id),
      payableCount: payable.length,
      carriedCount: lines.length - payable.length,
      totalNet: payable.reduce((s, l) => s + l.settle.net, 0),
      closedAt,
    };
    const event = batchCreatedEvent({ ...batch, ...set }, payable, cause);
    // A duplicate: the event is already staged, so another closer (a recovery racing a slow original) finished it.
    await unlessDuplicate(
      this.deps.outbox.update(models.Batch, {
        filter: { _id: batch._id, state: 'closing' },
        update: { $set: set },
        events: event ? [event] : [],
      }),
    );
    this.deps.logger.info(
      {
        batchId: batch._id,
        marketId: batch.marketId,
        businessDay: batch.businessDay,
        lines: lines.length,
        payable: payable.length,
        ms: closedAt.getTime() - batch.cutoffAt.getTime(),
      },
      'business day cut off',
    );
    if (payable.length) this.deps.onLinesReady();
    return { ...batch, ...set };
  }

  private async buildLine(
    batch: BatchDoc,
    merchantId: string,
    input: {
      existing: LineDoc | undefined;
      contributions: ContributionDoc[];
      carried: LineDoc[];
      stall: StallDoc | undefined;
      charges: { amount: number; planVersion: number | null; items: ChargeItem[] } | undefined;
      schedule: FeeSchedule;
      sourceAccount: string | null;
    },
  ): Promise<LineDoc | null> {
    const { models } = this.deps;
    const lineId = lineIdOf(merchantId, batch.businessDay);
    let line = input.existing ?? null;
    if (!line) {
      const { contributions, carried, stall } = input;
      if (contributions.length === 0 && carried.length === 0) return null;
      const traded = contributions.some((c) => c.businessDay === batch.businessDay);
      const charges = (traded && input.charges) || { amount: 0, planVersion: null, items: [] };
      const amounts = computeLine({
        businessDay: batch.businessDay,
        contributions,
        carried: carried.map((c) => c.settle),
        schedule: input.schedule,
        chargesPerDay: charges.amount,
      });
      const hold = holdReason(stall);
      const state: LineState = !hold && amounts.settle.net > 0 ? 'pending' : 'carried';
      const now = new Date();
      const account = stall?.payoutAccount.holderName
        ? {
            bin: stall.payoutAccount.bin,
            accountNumber: stall.payoutAccount.accountNumber,
            holderName: stall.payoutAccount.holderName,
          }
        : null;
      const stallCode = stall?.stallCode ?? merchantId.slice(0, 25);
      const doc: LineDoc = {
        _id: lineId,
        merchantId,
        marketId: batch.marketId,
        businessDay: batch.businessDay,
        batchId: batch._id,
        stallCode,
        vendorName: stall?.vendorName ?? '',
        state,
        carryReason: state === 'carried' ? (hold ?? 'not_positive') : null,
        rolledInto: null,
        contributionIds: contributions.map((c) => c._id),
        day: amounts.day,
        adjustments: amounts.adjustments,
        fee: { ...amounts.fee, schedule: input.schedule },
        charges: {
          amount: amounts.charges,
          planVersion: charges.planVersion,
          items: amounts.charges ? charges.items : [],
        },
        carriedIn: { ...amounts.carriedIn, lineIds: carried.map((c) => c._id) },
        settle: amounts.settle,
        payoutAccount: account,
        payout: state === 'pending' ? newPayout(lineId, batch.businessDay, stallCode, input.sourceAccount, now) : null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      if (await unlessDuplicate(models.Line.create(doc))) line = doc;
      else {
        line = await models.Line.findById(lineId).lean<LineDoc>();
        if (!line) throw new AppError('SETTLEMENT.LINE_CONFLICT', `line ${lineId} exists for another day`, 500);
      }
    }
    // What the line took is recorded in it, and marked once all lines exist (`close`); rolled-in lines right away.
    if (line.carriedIn.lineIds.length) {
      await models.Line.updateMany(
        { _id: { $in: line.carriedIn.lineIds }, rolledInto: null },
        { $set: { rolledInto: line._id } },
      );
    }
    return line;
  }
}

/** What the bank is asked for a line's first issue. The body never changes within an issue: the key's fingerprint. */
function newPayout(
  lineId: string,
  businessDay: string,
  stallCode: string,
  sourceAccount: string | null,
  now: Date,
): LinePayout {
  return {
    epoch: 1,
    key: payoutKeyOf(lineId, 1),
    description: `MarketQR ${businessDay} ${stallCode}`.slice(0, 140),
    sourceAccount,
    attempts: 0,
    failures: 0,
    waits: 0,
    nextAttemptAt: now,
    submittedAt: null,
    lastError: null,
    payoutId: null,
    transactionId: null,
    paidAt: null,
    bankDay: null,
  };
}
