import type { Logger } from 'pino';
import { periodicResource, type Clock, type KeyedMutex, type PeriodicJob } from '@marketqr/service-kit';
import type { QrRecord } from '../domain/model';
import type { Models } from '../store/models';
import type { QrStore } from '../store/qr-store';

/**
 * Expires dynamic QRs past their time (FerretDB has no TTL indexes, and a TTL delete would raise no qr.expired anyway).
 * Every replica sweeps: expiring is a guarded single-document write whose event id is derived from the QR, so two
 * sweepers reaching the same QR publish one qr.expired.
 */
export function expirySweeper(deps: {
  models: Models;
  store: QrStore;
  mutex: KeyedMutex;
  intervalMs: number;
  logger: Logger;
  clock: Clock;
  batchSize?: number;
}): PeriodicJob {
  const log = deps.logger.child({ component: 'expiry-sweeper' });
  const batch = deps.batchSize ?? 200;

  async function sweepOnce(): Promise<number> {
    const due = await deps.models.Qr.find(
      { status: 'active', kind: 'dynamic', expiresAt: { $lte: deps.clock.now() } },
      { outboxWriteIds: 0 },
    )
      .sort({ expiresAt: 1 })
      .limit(batch)
      .lean<QrRecord[]>()
      .exec();
    let expired = 0;
    for (const qr of due) {
      if (job.stopping()) break;
      try {
        if (await deps.mutex.run(qr.merchantId, () => deps.store.expire(qr))) expired++;
      } catch (err) {
        // One QR that cannot be expired now (QR.RETRY_LATER) must not hold up the others: the next sweep retries it.
        log.warn({ qrId: qr._id, err: (err as Error).message }, 'could not expire a dynamic QR; will retry');
      }
    }
    return expired;
  }

  // A sweep that fails once (the database blinking) is retried on the next tick; three in a row make the service
  // unready, because expired QRs would then stay payable as if current.
  const job = periodicResource({
    name: 'expiry-sweeper',
    intervalMs: deps.intervalMs,
    firstRunAfterMs: deps.intervalMs,
    unreadyAfterFailures: 3,
    logger: log,
    run: sweepOnce,
    doneMessage: 'expired dynamic QRs',
  });
  return job;
}
