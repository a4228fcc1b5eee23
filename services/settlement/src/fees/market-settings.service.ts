import { AppError, KeyedMutex } from '@marketqr/service-kit';
import { NO_FEE, scheduleProblems, type FeeSchedule } from '../domain/fees';
import type { FeeScheduleDoc, MarketAccountDoc, Models } from '../store/models';

/** A market's fee schedule and collection account: set by an admin, read by the cut-off. */
export class MarketSettings {
  private readonly lock = new KeyedMutex();

  constructor(private readonly models: Models) {}

  /** The schedule in force; a market nobody configured pays no fee. */
  async schedule(marketId: string): Promise<FeeSchedule> {
    const doc = await this.models.FeeSchedule.findById(marketId).lean<FeeScheduleDoc>();
    if (!doc) return NO_FEE;
    return {
      rateBps: doc.rateBps,
      minimumFee: doc.minimumFee,
      maximumFee: doc.maximumFee ?? null,
      exemptUpTo: doc.exemptUpTo ?? null,
      version: doc.version,
    };
  }

  async setSchedule(marketId: string, input: Omit<FeeSchedule, 'version'>, by: string): Promise<FeeScheduleDoc> {
    const problems = scheduleProblems(input);
    if (problems.length) throw new AppError('SETTLEMENT.INVALID_FEE_SCHEDULE', problems.join('; '), 400, { problems });
    return this.lock.run(`fee:${marketId}`, async () => {
      const current = await this.models.FeeSchedule.findById(marketId).lean<FeeScheduleDoc>();
      const doc: FeeScheduleDoc = {
        _id: marketId,
        ...input,
        version: (current?.version ?? 0) + 1,
        updatedBy: by,
        updatedAt: new Date(),
      };
      await this.models.FeeSchedule.replaceOne({ _id: marketId }, doc, { upsert: true });
      return doc;
    });
  }

  async collectionAccount(marketId: string): Promise<string | null> {
    const doc = await this.models.MarketAccount.findById(marketId).lean<MarketAccountDoc>();
    return doc?.collectionAccount ?? null;
  }

  async setCollectionAccount(marketId: string, accountNumber: string, by: string): Promise<MarketAccountDoc> {
    const doc: MarketAccountDoc = {
      _id: marketId,
      collectionAccount: accountNumber,
      updatedBy: by,
      updatedAt: new Date(),
    };
    await this.lock.run(`account:${marketId}`, () =>
      this.models.MarketAccount.replaceOne({ _id: marketId }, doc, { upsert: true }),
    );
    return doc;
  }
}
