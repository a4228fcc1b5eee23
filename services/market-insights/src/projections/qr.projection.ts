import type { EventOfType } from '@marketqr/contracts';
import { applyOnce } from '@marketqr/messaging';
import { localTime } from '../domain/time';
import type { AlertService } from '../alerts/alerts.service';
import { insertOnce, type Store } from '../store/models';

/** Verdicts of the genuine-QR check that mean a poster may not be ours, with how urgent each is. */
const POSTER_VERDICTS: Record<string, 'high' | 'medium'> = {
  UNKNOWN_ACCOUNT: 'high',
  TAMPERED: 'high',
  UNREGISTERED_PAYLOAD: 'high',
  REVOKED: 'medium',
  STALL_NOT_ACTIVE: 'medium',
};

/**
 * Printed QRs per stall (for "stalls with a printed QR") and the kind of every QR (to tell a payment to a dynamic QR
 * from one to the printed poster). Single writer: the stall's partition of the qr topic.
 */
export class QrProjection {
  constructor(
    private readonly store: Store,
    private readonly alerts: AlertService,
  ) {}

  /**
   * A genuine check that did not answer "genuine": an "unknown poster" alert for the market, one per payload (many
   * shoppers checking the same fake QR raise one alert, not many). Expired dynamic QRs and unreadable images are not
   * a poster problem and raise nothing.
   */
  async checkFlagged(e: EventOfType<'qr.check-flagged'>): Promise<void> {
    const d = e.data;
    const severity = POSTER_VERDICTS[d.verdict];
    const marketId = d.marketId ?? d.reportedMarketId;
    if (!severity || !marketId) return;
    const account = d.bin && d.accountNumber ? `${d.bin}/${d.accountNumber}` : null;
    await this.alerts.raise({
      key: `unknown-poster:${marketId}:${d.payloadHash ?? d.checkId}`,
      kind: 'unknown_poster',
      severity,
      marketId,
      merchantId: d.merchantId,
      title:
        d.verdict === 'UNKNOWN_ACCOUNT'
          ? `Mã QR lạ (tài khoản ${account ?? 'không rõ'}) được báo tại chợ: có thể dán đè lên mã của sạp`
          : `Mã QR không hợp lệ (${d.verdict}) được báo${d.stallCode ? ` tại sạp ${d.stallCode}` : ''}`,
      details: {
        checkId: d.checkId,
        verdict: d.verdict,
        stallCode: d.stallCode,
        account,
        qrId: d.qrId,
        input: d.input,
      },
      link: `/manager/genuine-checks/${d.checkId}`,
      at: new Date(d.checkedAt),
    });
  }

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
