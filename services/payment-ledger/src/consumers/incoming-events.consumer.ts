import type { EventOfType } from '@marketqr/contracts';
import type { EventHandlers } from '@marketqr/messaging';
import type { KeyedMutex, Logger } from '@marketqr/service-kit';
import type { Ledger } from '../ledger/ledger';
import { postPayout } from '../settlement/payouts';
import type { InboxProcessor } from '../matching/inbox.processor';
import type { Projections } from '../matching/projections';

type MerchantEvent = EventOfType<
  'merchant.registered' | 'merchant.verified' | 'merchant.activated' | 'merchant.suspended' | 'merchant.updated'
>;

/**
 * What payment-ledger does with other services' events. Every handler's effect is idempotent (a newest-wins
 * snapshot, an insert that ignores duplicates, entries keyed by their source), because delivery is at least once.
 * After a stall or QR becomes known, notifications held for it are matched again at once.
 */
export function ledgerEventHandlers(deps: {
  projections: Projections;
  processor: InboxProcessor;
  ledger: Ledger;
  mutex: KeyedMutex;
  logger: Logger;
}): EventHandlers {
  const { projections, processor, mutex } = deps;
  const merchant = async (event: MerchantEvent) => {
    const d = event.data;
    const outcome = await mutex.run(`stall:${d.merchantId}`, () =>
      projections.applyMerchant(d, new Date(event.occurredAt)),
    );
    if (outcome === 'applied' && d.virtualAccount)
      await processor.rematch({ virtualAccount: d.virtualAccount.accountNumber });
    // The market's collection account, so a transfer to it with no virtual account finds its market without
    // COLLECTION_ACCOUNTS being configured here too.
    if (d.collectionAccount)
      await projections.learnCollectionAccount(d.collectionAccount.accountNumber, d.marketId, `event:${event.eventId}`);
  };
  return {
    'merchant.registered': merchant,
    'merchant.verified': merchant,
    'merchant.activated': merchant,
    'merchant.suspended': merchant,
    'merchant.updated': merchant,
    'qr.issued': async (event) => {
      await mutex.run(`qr:${event.data.qrId}`, () => projections.applyQrIssued(event.data));
      if (event.data.kind === 'dynamic') await processor.rematch({ orderCode: event.data.orderCode });
    },
    'qr.revoked': async (event) => {
      await mutex.run(`qr:${event.data.qrId}`, () => projections.applyQrRevoked(event.data.qrId, event.data.merchantId));
    },
    'qr.expired': async (event) => {
      await mutex.run(`qr:${event.data.qrId}`, () => projections.applyQrExpired(event.data));
    },
    'settlement.paid': async (event) => {
      await postPayout(deps.ledger, event, deps.logger);
    },
    'settlement.failed': async (event) => {
      // Nothing was posted in transit before a payout is confirmed, so a failure has nothing to undo.
      deps.logger.info(
        { settlementLineId: event.data.settlementLineId, reasonCode: event.data.reasonCode },
        'settlement line failed: nothing to post',
      );
    },
  };
}
