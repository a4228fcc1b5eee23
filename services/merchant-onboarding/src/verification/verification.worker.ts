import { periodicResource, type Logger, type PeriodicJob } from '@marketqr/service-kit';
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
}): PeriodicJob {
  const job = periodicResource({
    name: 'verification-worker',
    intervalMs: opts.pollMs,
    logger: opts.logger,
    run: async () => {
      const ids = await opts.stalls.due(opts.batchSize ?? 20);
      for (const id of ids) {
        // Stop between stalls, not only between polls.
        if (job.stopping()) break;
        try {
          await opts.stalls.verify(id);
        } catch (err) {
          opts.logger.warn({ stallId: id, err: (err as Error).message }, 'verification step failed');
        }
      }
      return ids.length;
    },
  });
  // Readiness is the poll reaching the database (one failed poll): the bank being down is not a readiness failure,
  // since each stall's own verification step catches the bank's errors.
  return job;
}
