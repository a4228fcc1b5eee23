import type { EventOfType } from '@marketqr/contracts';
import type { Store } from '../store/models';

/**
 * Each stall's payable balance after its latest journal entry: what settlement would pay out now. Money is never
 * recomputed from payment events; the ledger's own figure is kept. Single writer: the stall's ledger partition.
 */
export class LedgerProjection {
  constructor(private readonly store: Store) {}

  async entryPosted(e: EventOfType<'ledger.entry-posted'>): Promise<void> {
    const d = e.data;
    const postedAt = new Date(d.postedAt);
    const current = await this.store.balances.findOne({ _id: d.merchantId }, { projection: { postedAt: 1 } });
    // Redelivered or replayed older entries must not move the balance back.
    if (current && current.postedAt > postedAt) return;
    await this.store.balances.updateOne(
      { _id: d.merchantId },
      { $set: { marketId: d.marketId, balance: d.merchantBalanceAfter, postedAt } },
      { upsert: true },
    );
  }
}
