import type { EventOfType } from '@marketqr/contracts';
import { applyOnce } from '@marketqr/messaging';
import { findBank } from '@marketqr/vietqr';
import { localTime } from '../domain/time';
import { alertIdOf, links, type AlertService } from '../alerts/alerts.service';
import { insertOnce, type Store } from '../store/models';

/** Verdicts of the genuine-QR check that mean a poster may not be ours, with how urgent each is. */
const POSTER_VERDICTS: Record<string, 'high' | 'medium'> = {
  UNKNOWN_ACCOUNT: 'high',
  TAMPERED: 'high',
  UNREGISTERED_PAYLOAD: 'high',
  REVOKED: 'medium',
  STALL_NOT_ACTIVE: 'medium',
};

/** Plain Vietnamese for the other poster verdicts (a manager does not read verdict codes). */
const VERDICT_TITLES: Record<string, string> = {
  UNKNOWN_ACCOUNT: 'Mã QR chuyển tiền vào tài khoản không thuộc sạp nào của chợ',
  TAMPERED: 'Mã QR bị sửa nội dung',
  UNREGISTERED_PAYLOAD: 'Mã QR không do hệ thống cấp nhưng chuyển vào tài khoản của sạp',
  REVOKED: 'Khách quét một mã QR đã thu hồi',
  STALL_NOT_ACTIVE: 'Khách quét mã QR của sạp đang tạm ngừng',
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
   * A genuine check that did not answer "genuine": an alert for the market, one per payload (many shoppers checking
   * the same code raise one alert, counted and timed on it). A code that copies one of the stall's posters but pays
   * another account (UNKNOWN_ACCOUNT with the stall it imitates) is a fake sticker: its own kind, with the account the
   * money would go to. Expired dynamic QRs and unreadable images are not a poster problem and raise nothing.
   */
  async checkFlagged(e: EventOfType<'qr.check-flagged'>): Promise<void> {
    const d = e.data;
    const severity = POSTER_VERDICTS[d.verdict];
    const marketId = d.marketId ?? d.reportedMarketId;
    if (!severity || !marketId) return;
    const { account, bank, details } = checkFacts(d);
    const fake = d.verdict === 'UNKNOWN_ACCOUNT' && d.merchantId !== null;
    const key = `${fake ? 'fake-qr' : 'unknown-poster'}:${marketId}:${d.payloadHash ?? d.checkId}`;
    await this.raiseCounted(e.eventId, new Date(d.checkedAt), {
      key,
      kind: fake ? 'fake_qr' : 'unknown_poster',
      severity,
      marketId,
      merchantId: d.merchantId,
      title: fake
        ? `Mã QR giả nhái sạp ${d.stallCode ?? ''}: tiền chuyển vào tài khoản ${d.accountNumber ?? '?'}${bank ? ` (${bank})` : ''}, không phải của sạp`
        : d.verdict === 'UNKNOWN_ACCOUNT'
          ? `Mã QR lạ (tài khoản ${account ?? 'không rõ'}) được báo tại chợ: có thể dán đè lên mã của sạp`
          : `${VERDICT_TITLES[d.verdict] ?? 'Mã QR không hợp lệ'}${d.stallCode ? ` tại sạp ${d.stallCode}` : ''}`,
      details: { ...details, qrId: d.qrId, input: d.input },
    });
  }

  /**
   * A shopper pressed "Báo mã giả cho ban quản lý" on a warning: always urgent (a person at the stall saw something
   * wrong), one alert per code, each report counted and timed on it. Apart from the scan alerts, so a report is
   * seen even when the manager already acknowledged the scans.
   */
  async reported(e: EventOfType<'qr.reported'>): Promise<void> {
    const d = e.data;
    const marketId = d.marketId ?? d.reportedMarketId;
    if (!marketId) return;
    const { bank, details } = checkFacts(d);
    const key = `qr-reported:${marketId}:${d.payloadHash ?? d.checkId}`;
    const where = d.stallCode ? ` tại sạp ${d.stallCode}` : ' tại chợ';
    await this.raiseCounted(e.eventId, new Date(d.reportedAt), {
      key,
      kind: 'qr_reported',
      severity: 'high',
      marketId,
      merchantId: d.merchantId,
      title: d.imitates
        ? `Khách báo mã QR giả${where}: tiền chuyển vào tài khoản ${d.accountNumber ?? '?'}${bank ? ` (${bank})` : ''}, không phải của sạp`
        : `Khách báo mã QR đáng ngờ${where} (${lowerFirst(VERDICT_TITLES[d.verdict] ?? 'mã không an toàn')})`,
      details,
    });
  }

  /** A QR alert counts its sightings on itself: one alert per code, each event one more occurrence with its time. */
  private async raiseCounted(
    eventId: string,
    at: Date,
    alert: Omit<Parameters<AlertService['raise']>[0], 'link' | 'at'>,
  ): Promise<void> {
    await this.alerts.raise({ ...alert, link: links.alert(alertIdOf(alert.key)), at });
    await this.alerts.recordOccurrence(alert.key, at, eventId);
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

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** What a QR alert shows of the check behind it: the account the money would go to, and the bank's name for it. */
function checkFacts(d: {
  checkId: string;
  verdict: string;
  stallCode: string | null;
  bin: string | null;
  accountNumber: string | null;
}) {
  const account = d.bin && d.accountNumber ? `${d.bin}/${d.accountNumber}` : null;
  const bank = d.bin ? (findBank(d.bin)?.shortName ?? null) : null;
  return {
    account,
    bank,
    details: {
      checkId: d.checkId,
      verdict: d.verdict,
      stallCode: d.stallCode,
      account,
      bin: d.bin,
      accountNumber: d.accountNumber,
      bank,
    },
  };
}
