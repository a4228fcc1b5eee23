import type { EventOfType } from '@marketqr/contracts';
import { mergedAcrossPartitions } from '@marketqr/messaging';
import { findIn } from '@marketqr/mongo';
import type { Store } from '../store/models';

/**
 * Each stall's payable balance after its latest journal entry: what settlement would pay out now. Money is never
 * recomputed from payment events; the ledger's own figure is kept. Single writer: the stall's ledger partition.
 */
export class LedgerProjection {
  constructor(private readonly store: Store) {}

  /**
   * A run of entries (the runs of the partitions handled at once, merged: see mergedAcrossPartitions): only each
   * stall's latest matters, so one read of the current balances and one update per stall (not per entry).
   */
  readonly entryPostedMany = mergedAcrossPartitions<EventOfType<'ledger.entry-posted'>>((es) => this.applyLatest(es));

  private async applyLatest(events: EventOfType<'ledger.entry-posted'>[]): Promise<void> {
    const latest = new Map<string, EventOfType<'ledger.entry-posted'>>();
    for (const e of events) {
      const prev = latest.get(e.data.merchantId);
      if (!prev || Date.parse(prev.data.postedAt) <= Date.parse(e.data.postedAt)) latest.set(e.data.merchantId, e);
    }
    const current = new Map(
      (
        await findIn(this.store.balances, [...latest.keys()], { projection: { postedAt: 1 } })
      ).map((b) => [b._id, b.postedAt]),
    );
    for (const e of latest.values()) {
      const postedAt = new Date(e.data.postedAt);
      const known = current.get(e.data.merchantId);
      if (known && known > postedAt) continue;
      await this.apply(e.data, postedAt);
    }
  }

  async entryPosted(e: EventOfType<'ledger.entry-posted'>): Promise<void> {
    const d = e.data;
    const postedAt = new Date(d.postedAt);
    const current = await this.store.balances.findOne({ _id: d.merchantId }, { projection: { postedAt: 1 } });
    // Redelivered or replayed older entries must not move the balance back.
    if (current && current.postedAt > postedAt) return;
    await this.apply(d, postedAt);
  }

  private async apply(d: EventOfType<'ledger.entry-posted'>['data'], postedAt: Date): Promise<void> {
    await this.store.balances.updateOne(
      { _id: d.merchantId },
      { $set: { marketId: d.marketId, balance: d.merchantBalanceAfter, postedAt } },
      { upsert: true },
    );
  }
}
