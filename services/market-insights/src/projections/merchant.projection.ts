import type { EventOfType } from '@marketqr/contracts';
import { applyOnce } from '@marketqr/messaging';
import { localTime } from '../domain/time';
import type { StallDoc, Store } from '../store/models';

type MerchantEvent = EventOfType<
  'merchant.registered' | 'merchant.verified' | 'merchant.activated' | 'merchant.suspended' | 'merchant.updated'
>;

/**
 * The `stalls` read model: every merchant event carries the whole snapshot, so each one overwrites the copy, and a
 * change of status is appended to the stall's status history (what "active on day D" is computed from).
 * Single writer: the stall's partition of the merchant topic, in order.
 */
export class MerchantProjection {
  constructor(private readonly store: Store) {}

  async apply(e: MerchantEvent): Promise<void> {
    const d = e.data;
    const at = new Date(e.occurredAt);
    const { day } = localTime(at);
    const current = await this.store.stalls.findOne(
      { _id: d.merchantId },
      { projection: { status: 1, snapshotAt: 1 } },
    );
    // A replayed older event (a dead letter put back, say) must not roll the stall back.
    if (current && current.snapshotAt > at) return;
    const update: Record<string, unknown> = {
      $set: {
        marketId: d.marketId,
        marketName: d.marketName,
        zone: d.zone,
        stallCode: d.stallCode,
        category: d.category,
        vendorName: d.vendorName,
        status: d.status,
        snapshotAt: at,
      } satisfies Partial<StallDoc>,
      // The first event seen dates the registration (normally merchant.registered, the stall's first event).
      $setOnInsert: { registeredAt: at, registeredDay: day },
    };
    if (!current || current.status !== d.status) update.$push = { statusHistory: { status: d.status, at, day } };
    await applyOnce(this.store.stalls, { filter: { _id: d.merchantId }, update, eventId: e.eventId, upsert: true });
  }
}
