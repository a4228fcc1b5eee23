import type { Logger } from 'pino';
import { AppError, isDuplicateKey, MicroBatcher, type Clock } from '@marketqr/service-kit';
import type { Outbox } from '@marketqr/messaging';
import { qrExpiredEvent, qrIssuedEvent, qrRevokedEvent, type Cause } from '../events';
import type { QrMetrics } from '../metrics';
import type { QrRecord } from '../domain/model';
import type { Models } from './models';

export interface Revocation {
  reasonCode: string;
  reason: string;
  by: string;
}

/**
 * Writes to QR records, each with the event it raises, through the outbox (one atomic single-document write each,
 * no transactions). Callers hold the stall's KeyedMutex: on FerretDB two concurrent updates of one document can both
 * apply, so the conditions below (`status: 'active'`) are guards for MongoDB and for other replicas, not locks.
 */
export class QrStore {
  /**
   * New QRs of concurrent requests stored together (group commit): one outbox `insertBatch` — the events, the QRs,
   * the events marked ready — per batch instead of per QR. Each request still answers only once its own QR and
   * qr.issued are stored, and learns on its own that its order code was taken.
   */
  private readonly inserts: MicroBatcher<{ qr: QrRecord; cause: Cause }, void>;

  constructor(
    private readonly models: Models,
    private readonly outbox: Outbox,
    private readonly metrics: QrMetrics,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.inserts = new MicroBatcher({ maxItems: 100, maxWaitMs: 2 }, async (items) => {
      const results = await this.outbox.insertBatch(
        this.models.Qr,
        items.map(({ qr, cause }) => ({ doc: { ...qr }, events: [qrIssuedEvent(qr, cause)] })),
        { ordered: false },
      );
      return results.map((r) =>
        r.status === 'inserted'
          ? { ok: true as const, value: undefined }
          : {
              ok: false as const,
              error:
                r.status === 'duplicate'
                  ? Object.assign(new Error('duplicate key: code or slot taken'), { code: 11000 })
                  : r.status === 'failed'
                    ? r.error
                    : new Error('QR not stored'),
            },
      );
    });
  }

  /** Stores a new QR and its qr.issued. A duplicate `code` or `slot` surfaces as the driver's 11000. */
  async insert(qr: QrRecord, cause: Cause): Promise<void> {
    await this.inserts.submit({ qr, cause });
    this.metrics.m.issued.inc({ kind: qr.kind, via: qr.issuedBy.via });
    this.logger.info(
      { qrId: qr._id, merchantId: qr.merchantId, kind: qr.kind, code: qr.code, via: qr.issuedBy.via },
      'qr issued',
    );
  }

  /** Active → revoked with qr.revoked. False when it was no longer active (someone else got there first). */
  async revoke(qr: QrRecord, r: Revocation, cause: Cause): Promise<boolean> {
    const at = this.clock.now();
    try {
      const res = await this.outbox.update(this.models.Qr, {
        filter: { _id: qr._id, status: 'active' },
        update: {
          $set: {
            status: 'revoked',
            revokedAt: at,
            revokedReasonCode: r.reasonCode,
            revokedReason: r.reason,
            revokedBy: r.by,
          },
        },
        events: [qrRevokedEvent(qr, { reasonCode: r.reasonCode, reason: r.reason, at }, cause)],
      });
      if (!res.written) return false;
    } catch (e) {
      if (isDuplicateKey(e)) return this.alreadyStaged(qr, e);
      throw e;
    }
    this.metrics.m.revoked.inc({ kind: qr.kind, reason: r.reasonCode });
    this.logger.info(
      { qrId: qr._id, merchantId: qr.merchantId, kind: qr.kind, reasonCode: r.reasonCode },
      'qr revoked',
    );
    return true;
  }

  /** Active dynamic QR past its expiry → expired with qr.expired. */
  async expire(qr: QrRecord): Promise<boolean> {
    if (qr.kind !== 'dynamic' || !qr.expiresAt || qr.amount === null || qr.orderCode === null) return false;
    const now = this.clock.now();
    try {
      const res = await this.outbox.update(this.models.Qr, {
        filter: { _id: qr._id, status: 'active', expiresAt: { $lte: now } },
        update: { $set: { status: 'expired', expiredAt: now } },
        events: [qrExpiredEvent({ ...qr, amount: qr.amount, orderCode: qr.orderCode, expiresAt: qr.expiresAt })],
      });
      if (!res.written) return false;
    } catch (e) {
      if (isDuplicateKey(e)) return this.alreadyStaged(qr, e);
      throw e;
    }
    this.metrics.m.expired.inc();
    this.logger.info({ qrId: qr._id, merchantId: qr.merchantId, orderCode: qr.orderCode }, 'qr expired');
    return true;
  }

  /**
   * The outbox already holds this QR's event (its id is derived from the QR). Either another writer got there first
   * (the QR is no longer active: nothing left to do), or an earlier attempt crashed between staging the event and
   * writing the QR, and the relay will drop that record within its verification delay: retry after it.
   */
  private async alreadyStaged(qr: QrRecord, cause: unknown): Promise<false> {
    const now = await this.findById(qr._id);
    if (now && now.status !== 'active') return false;
    throw new AppError('QR.RETRY_LATER', 'an earlier attempt of this change is still pending; retry shortly', 503, {
      qrId: qr._id,
      cause: (cause as Error).message,
    });
  }

  findById(id: string): Promise<QrRecord | null> {
    return this.models.Qr.findById(id, { outboxWriteIds: 0 }).lean<QrRecord>().exec();
  }

  activeOf(merchantId: string): Promise<QrRecord[]> {
    return this.models.Qr.find({ merchantId, status: 'active' }, { outboxWriteIds: 0 }).lean<QrRecord[]>().exec();
  }

  /** The stall's newest static QR, whatever its status: the next poster's generation follows it. */
  latestStatic(merchantId: string): Promise<QrRecord | null> {
    return this.models.Qr.findOne({ merchantId, kind: 'static' }, { outboxWriteIds: 0 })
      .sort({ generation: -1 })
      .lean<QrRecord>()
      .exec();
  }

  async slotTaken(slot: string): Promise<boolean> {
    return (await this.models.Qr.exists({ slot })) !== null;
  }
}
