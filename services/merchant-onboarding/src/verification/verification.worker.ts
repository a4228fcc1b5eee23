import type { Logger, Resource } from '@marketqr/service-kit';
import type { StallService } from '../stalls/stall.service';

/**
 * Retries what the bank could not answer at registration time: name inquiries and virtual-account registrations whose
 * `verification.nextAttemptAt` has come. Polls the database (the schedule lives there, so a restart or a second replica
 * picks it up); a replica racing another one repeats only idempotent bank calls, and the version-conditional write
 * lets one of them win.
 */
export function verificationWorker(opts: {
  stalls: StallService;
  logger: Logger;
  pollMs: number;
  batchSize?: number;
}): Resource & { runOnce(): Promise<number> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;
  let lastError: string | undefined;

  const runOnce = async (): Promise<number> => {
    const ids = await opts.stalls.due(opts.batchSize ?? 20);
    for (const id of ids) {
      if (stopped) break;
      try {
        await opts.stalls.verify(id);
      } catch (err) {
        opts.logger.warn({ stallId: id, err: (err as Error).message }, 'verification step failed');
      }
    }
    return ids.length;
  };

  const tick = () => {
    if (stopped) return;
    running = runOnce()
      .then((n) => {
        lastError = undefined;
        return n;
      })
      .catch((err: Error) => {
        lastError = err.message;
        opts.logger.warn({ err: err.message }, 'verification poll failed');
        return 0;
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.pollMs);
      });
  };

  return {
    name: 'verification-worker',
    runOnce,
    async start() {
      stopped = false;
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async check() {
      // The worker is healthy when its last poll reached the database; the bank being down is not a readiness failure.
      if (lastError) throw new Error(`last poll failed: ${lastError}`);
    },
  };
}
