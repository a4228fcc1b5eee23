import type { Logger } from 'pino';
import type { KeyedMutex, Resource } from '@marketqr/service-kit';
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
  batchSize?: number;
}): Resource & { sweepOnce(): Promise<number> } {
  const log = deps.logger.child({ component: 'expiry-sweeper' });
  const batch = deps.batchSize ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  let lastError: Error | undefined;
  let failures = 0;

  async function sweepOnce(): Promise<number> {
    const due = await deps.models.Qr.find(
      { status: 'active', kind: 'dynamic', expiresAt: { $lte: new Date() } },
      { outboxWriteIds: 0 },
    )
      .sort({ expiresAt: 1 })
      .limit(batch)
      .lean<QrRecord[]>()
      .exec();
    let expired = 0;
    for (const qr of due) {
      if (stopped) break;
      try {
        if (await deps.mutex.run(qr.merchantId, () => deps.store.expire(qr))) expired++;
      } catch (err) {
        // One QR that cannot be expired now (QR.RETRY_LATER) must not hold up the others: the next sweep retries it.
        log.warn({ qrId: qr._id, err: (err as Error).message }, 'could not expire a dynamic QR; will retry');
      }
    }
    return expired;
  }

  const tick = async () => {
    try {
      const n = await sweepOnce();
      failures = 0;
      lastError = undefined;
      if (n) log.debug({ expired: n }, 'expired dynamic QRs');
    } catch (err) {
      failures++;
      lastError = err as Error;
      log.warn({ err: (err as Error).message, failures }, 'expiry sweep failed; will retry');
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, deps.intervalMs);
  };

  return {
    name: 'expiry-sweeper',
    sweepOnce,
    async start() {
      if (!stopped) return;
      stopped = false;
      schedule();
      log.info({ intervalMs: deps.intervalMs }, 'expiry sweeper started');
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async check() {
      if (stopped) throw new Error('expiry sweeper not running');
      if (failures >= 3) throw new Error(`expiry sweeps failing: ${lastError?.message ?? 'unknown'}`);
    },
  };
}
