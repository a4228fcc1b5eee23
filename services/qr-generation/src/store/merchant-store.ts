import { AppError } from '@marketqr/service-kit';
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
  constructor(private readonly models: Models) {}

  get(id: string): Promise<Merchant | null> {
    return this.models.Merchant.findById(id).lean<Merchant>().exec();
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
