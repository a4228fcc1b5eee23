import type { EventOfType } from '@marketqr/contracts';
import { mergedAcrossPartitions } from '@marketqr/messaging';
import { unlessDuplicate } from '@marketqr/service-kit';
import type { Store } from '../store/models';

/**
 * Each stall's payable balance after its latest journal entry: what settlement would pay out now. Money is never
 * recomputed from payment events; the ledger's own figure is kept. Single writer: the stall's ledger partition.
 */
export class LedgerProjection {
  constructor(private readonly store: Store) {}

  /**
   * A run of entries (the runs of the partitions handled at once, merged: see mergedAcrossPartitions): only each
   * stall's latest matters, so one conditional write per stall (not per entry), and no read.
   */
  readonly entryPostedMany = mergedAcrossPartitions<EventOfType<'ledger.entry-posted'>>((es) => this.applyLatest(es));

  private async applyLatest(events: EventOfType<'ledger.entry-posted'>[]): Promise<void> {
    const latest = new Map<string, EventOfType<'ledger.entry-posted'>>();
    for (const e of events) {
      const prev = latest.get(e.data.merchantId);
      if (!prev || Date.parse(prev.data.postedAt) <= Date.parse(e.data.postedAt)) latest.set(e.data.merchantId, e);
    }
    for (const e of latest.values()) await this.apply(e.data);
  }

  async entryPosted(e: EventOfType<'ledger.entry-posted'>): Promise<void> {
    await this.apply(e.data);
  }

  /**
   * Latest wins, in one write: the update matches only a balance posted no later than this one. A newer stored balance
   * (a redelivered or replayed older entry) makes the upsert try to insert the stall's `_id` again, which the unique
   * index refuses: nothing moves back.
   */
  private async apply(d: EventOfType<'ledger.entry-posted'>['data']): Promise<void> {
    const postedAt = new Date(d.postedAt);
    await unlessDuplicate(
      this.store.balances.updateOne(
        { _id: d.merchantId, postedAt: { $lte: postedAt } },
        { $set: { marketId: d.marketId, balance: d.merchantBalanceAfter, postedAt } },
        { upsert: true },
      ),
    );
  }
}
