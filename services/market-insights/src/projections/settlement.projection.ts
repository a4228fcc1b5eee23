import type { EventOfType } from '@marketqr/contracts';
import { applyOnce } from '@marketqr/messaging';
import type { AlertService } from '../alerts/alerts.service';
import { formatVnd, links } from '../alerts/alerts.service';
import type { Store } from '../store/models';

/**
 * Settlement totals per business day (the day settlement closed, as its events say) and the alerts for payout lines
 * that need a person. batch-created is keyed by market (its own documents); paid and failed by stall.
 */
export class SettlementProjection {
  constructor(
    private readonly deps: {
      store: Store;
      alerts: AlertService;
      /** A retryable failure raises an alert from this attempt on. */
      alertFromAttempt: number;
    },
  ) {}

  async batchCreated(e: EventOfType<'settlement.batch-created'>): Promise<void> {
    const d = e.data;
    await applyOnce(this.deps.store.marketSettlementDays, {
      filter: { _id: `${d.marketId}|${d.businessDay}` },
      update: {
        $setOnInsert: { marketId: d.marketId, day: d.businessDay },
        $inc: {
          batches: 1,
          batchedLines: d.lineCount,
          batchedGross: d.lines.reduce((s, l) => s + l.grossAmount, 0),
          batchedFee: d.lines.reduce((s, l) => s + l.feeAmount, 0),
          batchedNet: d.totalNetAmount,
        },
      },
      // Keyed by the batch, not the event: a batch counts once even if it were announced twice.
      eventId: `batch:${d.batchId}`,
      upsert: true,
    });
  }

  async paid(e: EventOfType<'settlement.paid'>): Promise<void> {
    const d = e.data;
    const fee = d.feeAmount ?? 0;
    const charges = d.chargesAmount ?? 0;
    await applyOnce(this.deps.store.settlementDays, {
      filter: { _id: `${d.merchantId}|${d.businessDay}` },
      update: {
        $setOnInsert: { merchantId: d.merchantId, marketId: d.marketId, day: d.businessDay },
        $inc: {
          paidLines: 1,
          paidNet: d.netAmount,
          // Older producers omit gross: what the line settled is then net + fee + charges by definition.
          paidGross: d.grossAmount ?? d.netAmount + fee + charges,
          paidFee: fee,
          paidCharges: charges,
          failedAttempts: 0,
        },
        // Which lines: the monthly report counts lines that failed and are still unpaid (failed minus paid; a line's
        // paid and failed events carry the same business day, so they meet in this document). A set: idempotent.
        $addToSet: { paidLineIds: d.settlementLineId },
      },
      eventId: `paid:${d.settlementLineId}`,
      upsert: true,
    });
    await this.deps.alerts.resolve(`settlement_failed:${d.settlementLineId}`, 'line_paid', new Date(d.paidAt));
  }

  async failed(e: EventOfType<'settlement.failed'>): Promise<void> {
    const d = e.data;
    await applyOnce(this.deps.store.settlementDays, {
      filter: { _id: `${d.merchantId}|${d.businessDay}` },
      update: {
        $setOnInsert: { merchantId: d.merchantId, marketId: d.marketId, day: d.businessDay },
        $inc: { failedAttempts: 1, paidLines: 0, paidNet: 0, paidGross: 0, paidFee: 0, paidCharges: 0 },
        // Attempts count every retry; the report also needs the lines (one line retried three times is one line).
        $addToSet: { failedLineIds: d.settlementLineId },
      },
      eventId: e.eventId,
      upsert: true,
    });
    if (d.retryable && d.attempt < this.deps.alertFromAttempt) return;
    await this.deps.alerts.raise({
      key: `settlement_failed:${d.settlementLineId}`,
      kind: 'settlement_failed',
      severity: 'high',
      marketId: d.marketId,
      merchantId: d.merchantId,
      title: d.retryable
        ? `Chi trả ${formatVnd(d.netAmount)} ngày ${d.businessDay} thất bại ${d.attempt} lần`
        : `Chi trả ${formatVnd(d.netAmount)} ngày ${d.businessDay} thất bại, cần xử lý`,
      details: {
        settlementLineId: d.settlementLineId,
        batchId: d.batchId,
        businessDay: d.businessDay,
        netAmount: d.netAmount,
        reasonCode: d.reasonCode,
        reason: d.reason,
        retryable: d.retryable,
        attempt: d.attempt,
        nextAttemptAt: d.nextAttemptAt,
      },
      link: links.settlementLine(d.settlementLineId),
      at: new Date(e.occurredAt),
    });
  }
}
