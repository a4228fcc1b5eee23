import type { Logger } from 'pino';
import { periodicResource, type Clock, type KeyedMutex, type PeriodicJob } from '@marketqr/service-kit';
import { EXPIRY_BUCKET_MS, expiryBucketOf, type QrRecord } from '../domain/model';
import type { Models } from '../store/models';
import type { QrStore } from '../store/qr-store';

/** More windows than this behind (the replica was stopped or stuck) and one full sweep is cheaper than each window. */
const MAX_WINDOWS_PER_SWEEP = 60;

/**
 * Expires dynamic QRs past their time (FerretDB has no TTL indexes, and a TTL delete would raise no qr.expired anyway).
 * Every replica sweeps: expiring is a guarded single-document write whose event id is derived from the QR, so two
 * sweepers reaching the same QR publish one qr.expired.
 *
 * Each run reads only the expiry windows (`expiryBucket`, 10 s each) from the first one that may still hold an active
 * QR up to the current one, by equality: what a sweep costs follows the QRs that are due, not the QRs that are open.
 * At start (and after falling more than 60 windows behind) one full sweep of every window up to now takes what earlier
 * runs left: on FerretDB that reads every active QR once, since a range is not pushed down. Nothing else can land
 * behind the walk: a QR lives at least QR_MIN_TTL_SECONDS (a minute by default), so its window is ahead of every
 * replica whose clock is less than that behind the issuer's, and the issuer's own sweeper walks it anyway. (Dynamic
 * QRs have carried their window since the sweeper first read by window; a database older than that keeps its open QRs
 * of the time unswept: they read expired everywhere regardless, only their qr.expired is never sent.)
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
  /** The first window that may still hold an active QR; null until a full sweep has run. */
  let nextWindow: number | null = null;

  /** Expires the QRs found; false when one of them could not be (it stays for the next run). */
  async function expireAll(due: QrRecord[]): Promise<{ expired: number; complete: boolean }> {
    let expired = 0;
    for (const qr of due) {
      if (job.stopping()) return { expired, complete: false };
      try {
        if (await deps.mutex.run(qr.merchantId, () => deps.store.expire(qr))) expired++;
      } catch (err) {
        // One QR that cannot be expired now (QR.RETRY_LATER) must not hold up the others: the next sweep retries it.
        log.warn({ qrId: qr._id, err: (err as Error).message }, 'could not expire a dynamic QR; will retry');
        return { expired, complete: false };
      }
    }
    return { expired, complete: true };
  }

  async function fullSweep(now: Date): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await deps.models.Qr.find(
        { expiryBucket: { $lte: expiryBucketOf(now) }, status: 'active', expiresAt: { $lte: now } },
        { outboxWriteIds: 0 },
      )
        .sort({ expiryBucket: 1 })
        .limit(batch)
        .lean<QrRecord[]>()
        .exec();
      const done = await expireAll(due);
      expired += done.expired;
      if (!done.complete) return expired;
      if (due.length < batch) break;
    }
    nextWindow = expiryBucketOf(now);
    return expired;
  }

  async function sweepOnce(): Promise<number> {
    const now = deps.clock.now();
    const current = expiryBucketOf(now);
    if (nextWindow === null || current - nextWindow > MAX_WINDOWS_PER_SWEEP) return fullSweep(now);
    let expired = 0;
    for (let window = nextWindow; window <= current;) {
      const due = await deps.models.Qr.find(
        { expiryBucket: window, status: 'active', expiresAt: { $lte: now } },
        { outboxWriteIds: 0 },
      )
        .limit(batch)
        .lean<QrRecord[]>()
        .exec();
      const done = await expireAll(due);
      expired += done.expired;
      if (!done.complete) break;
      if (due.length >= batch) continue; // more of this window is due
      // A window wholly in the past, all of it expired, never needs another look.
      if ((window + 1) * EXPIRY_BUCKET_MS <= now.getTime() && window === nextWindow) nextWindow = window + 1;
      window++;
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
