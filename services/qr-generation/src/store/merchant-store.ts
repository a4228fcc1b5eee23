import type { mongo } from 'mongoose';
import { findIn } from '@marketqr/mongo';
import { AppError, MicroBatcher } from '@marketqr/service-kit';
import { accountKeyOf, type Merchant, type MerchantStatus, type VirtualAccount } from '../domain/model';
import type { Models } from './models';

/** The snapshot fields merchant events carry that this service keeps. */
export interface MerchantSnapshotIn {
  merchantId: string;
  marketId: string;
  marketName: string;
  zone: string;
  stallCode: string;
  vendorName: string;
  /** Optional: a stall has no virtual account until the partner bank registers one. */
  virtualAccount?: VirtualAccount | null;
  payoutAccount?: { holderName?: string | null } | null;
  status: MerchantStatus;
}

export type ApplyOutcome = 'applied' | 'stale';

/** The merchant projection: our copy of each stall, written only by the merchant-events consumer. */
export class MerchantStore {
  /**
   * Reads by id of concurrent requests made together (every QR issue reads its stall before and after storing the
   * QR): one query per batch, and one read for all the requests of one stall in it. A read joins a batch that starts
   * after it was asked for, so it is never older than a read made on its own.
   */
  private readonly reads: MicroBatcher<string, Merchant | null>;

  constructor(private readonly models: Models) {
    this.reads = new MicroBatcher({ maxItems: 200, maxWaitMs: 1 }, async (ids) => {
      const found = await findIn(this.models.Merchant.collection as unknown as mongo.Collection<Merchant>, ids);
      const byId = new Map(found.map((m): [string, Merchant] => [m._id, m]));
      return ids.map((id) => ({ ok: true as const, value: byId.get(id) ?? null }));
    });
  }

  get(id: string): Promise<Merchant | null> {
    return this.reads.submit(id);
  }

  async require(id: string): Promise<Merchant> {
    const m = await this.get(id);
    if (!m) throw new AppError('QR.STALL_NOT_FOUND', `no stall ${id}`, 404, { merchantId: id });
    return m;
  }

  byAccountKey(key: string): Promise<Merchant | null> {
    return this.models.Merchant.findOne({ accountKey: key }).sort({ updatedAt: -1 }).lean<Merchant>().exec();
  }

  /**
   * Overwrites the copy with a newer snapshot. Every merchant event carries the whole snapshot, so applying one is a
   * plain `$set` (applying it twice changes nothing); an event older than the one applied last (a redelivery after
   * a newer event, or a producer's retry) is ignored so that it cannot roll the stall back.
   * One writer per stall: the consumer of its partition, under the stall's mutex.
   */
  async apply(s: MerchantSnapshotIn, meta: { eventId: string; type: string; occurredAt: Date }): Promise<ApplyOutcome> {
    const current = await this.models.Merchant.findById(s.merchantId, { lastEventAt: 1, lastEventId: 1 })
      .lean<Pick<Merchant, 'lastEventAt' | 'lastEventId'>>()
      .exec();
    if (current && current.lastEventId !== meta.eventId && current.lastEventAt.getTime() > meta.occurredAt.getTime()) {
      return 'stale';
    }
    const account = s.virtualAccount
      ? { bin: s.virtualAccount.bin, accountNumber: s.virtualAccount.accountNumber }
      : null;
    await this.models.Merchant.updateOne(
      { _id: s.merchantId },
      {
        $set: {
          marketId: s.marketId,
          marketName: s.marketName,
          zone: s.zone,
          stallCode: s.stallCode,
          vendorName: s.vendorName,
          virtualAccount: account,
          accountKey: account ? accountKeyOf(account) : null,
          holderName: s.payoutAccount?.holderName ?? null,
          status: s.status,
          lastEventAt: meta.occurredAt,
          lastEventId: meta.eventId,
          lastEventType: meta.type,
          updatedAt: new Date(),
        },
      },
      { upsert: true },
    );
    return 'applied';
  }
}
