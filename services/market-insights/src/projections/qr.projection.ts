import type { EventOfType } from '@marketqr/contracts';
import { applyOnce } from '@marketqr/messaging';
import { localTime } from '../domain/time';
import { insertOnce, type Store } from '../store/models';

/**
 * Printed QRs per stall (for "stalls with a printed QR") and the kind of every QR (to tell a payment to a dynamic QR
 * from one to the printed poster). Single writer: the stall's partition of the qr topic.
 */
export class QrProjection {
  constructor(private readonly store: Store) {}

  async issued(e: EventOfType<'qr.issued'>): Promise<void> {
    const d = e.data;
    await insertOnce(this.store.qrKinds, { _id: d.qrId, kind: d.kind, merchantId: d.merchantId, marketId: d.marketId });
    if (d.kind !== 'static') return;
    const at = new Date(e.occurredAt);
    await applyOnce(this.store.stallQrs, {
      filter: { _id: d.merchantId },
      update: {
        $set: { marketId: d.marketId },
        $push: { statics: { qrId: d.qrId, at, day: localTime(at).day } },
      },
      eventId: e.eventId,
      upsert: true,
    });
  }

  async revoked(e: EventOfType<'qr.revoked'>): Promise<void> {
    const d = e.data;
    if (d.kind !== 'static') return;
    const at = new Date(e.occurredAt);
    await applyOnce(this.store.stallQrs, {
      filter: { _id: d.merchantId },
      update: {
        $set: { marketId: d.marketId },
        $push: { revokedStatics: { qrId: d.qrId, at, day: localTime(at).day } },
      },
      eventId: e.eventId,
      upsert: true,
    });
  }
}
