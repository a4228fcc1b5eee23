import type { EventOfType } from '@marketqr/contracts';
import type { EventHandlers } from '@marketqr/messaging';
import { type Models } from '../store/models';
import { unlessDuplicate } from '@marketqr/service-kit';

type MerchantEvent = EventOfType<
  'merchant.registered' | 'merchant.verified' | 'merchant.activated' | 'merchant.suspended' | 'merchant.updated'
>;

/**
 * Keeps settlement's copy of each stall: market, code, vendor, status and payout account (with the holder name once
 * the bank verified it). Every merchant event carries the whole snapshot, so the newest one wins; an older one
 * (a redelivery after a newer event) matches nothing and is dropped, and its upsert hits the unique `_id` instead of
 * creating a second document. The market's collection account comes with the snapshot too.
 */
export function merchantEventHandlers(models: Models): EventHandlers {
  const apply = async (e: MerchantEvent) => {
    const d = e.data;
    const at = new Date(e.occurredAt);
    // A duplicate: two events of a new stall raced to insert it; the one that lost is older or the same.
    await unlessDuplicate(
      models.Stall.collection.updateOne(
        { _id: d.merchantId as never, $or: [{ lastEventAt: { $lte: at } }, { lastEventAt: { $exists: false } }] },
        {
          $set: {
            marketId: d.marketId,
            marketName: d.marketName,
            stallCode: d.stallCode,
            vendorName: d.vendorName,
            status: d.status,
            payoutAccount: {
              bin: d.payoutAccount.bin,
              accountNumber: d.payoutAccount.accountNumber,
              holderName: d.payoutAccount.holderName ?? null,
            },
            lastEventAt: at,
            lastEventId: e.eventId,
          },
        },
        { upsert: true },
      ),
    );
    if (d.collectionAccount) await learnCollectionAccount(d.marketId, d.collectionAccount.accountNumber, at);
  };

  /**
   * The market's collection account (reconciliation compares it with the bank's statement), as merchant events carry
   * it: recorded once, only where nobody set one. An admin's PUT /markets/:id/collection-account always wins.
   */
  const learnCollectionAccount = async (marketId: string, accountNumber: string, at: Date) => {
    // A duplicate: two events of one market raced to insert, and the other one wrote the same thing.
    await unlessDuplicate(
      models.MarketAccount.collection.updateOne(
        { _id: marketId as never },
        { $setOnInsert: { collectionAccount: accountNumber, updatedBy: 'merchant-events', updatedAt: at } },
        { upsert: true },
      ),
    );
  };
  return {
    'merchant.registered': apply,
    'merchant.verified': apply,
    'merchant.activated': apply,
    'merchant.suspended': apply,
    'merchant.updated': apply,
  };
}
