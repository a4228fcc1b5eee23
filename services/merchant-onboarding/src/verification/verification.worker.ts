import { periodicResource, type Logger, type Resource } from '@marketqr/service-kit';
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
  let stopped = false;
  const job = periodicResource({
    name: 'verification-worker',
    intervalMs: opts.pollMs,
    logger: opts.logger,
    run: async () => {
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
    },
  });
  // The worker stops between stalls, not only between polls. Its readiness is the poll reaching the database:
  // the bank being down is not a readiness failure.
  return {
    ...job,
    async start() {
      stopped = false;
      await job.start();
    },
    async stop() {
      stopped = true;
      await job.stop();
    },
  };
}
