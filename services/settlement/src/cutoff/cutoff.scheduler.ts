import { isDomainError, periodicResource, type Logger, type PeriodicJob } from '@marketqr/service-kit';
import { addDays, dueDay } from '../domain/business-day';
import type { BatchDoc, Models } from '../store/models';
import type { CutoffService } from './cutoff.service';

/**
 * Cuts each market's business day off at the configured time (Asia/Ho_Chi_Minh). Every replica may run it: the
 * market's slot and the batch are inserts under unique ids, so exactly one replica closes a (market, day) and the
 * others find it done. Days missed while the service was down are closed in order, up to `catchupDays` back.
 *
 * Which markets: those with money not yet settled. Which days: every business day with unsettled contributions after
 * the market's last batch, up to the due day; and the due day itself for a market cut off recently that has only
 * leftovers (late payments, a carried line to roll), so they are not left waiting for fresh takings.
 */
export function cutoffScheduler(opts: {
  models: Models;
  cutoff: CutoffService;
  logger: Logger;
  cutoffTime: string;
  pollMs: number;
  catchupDays: number;
}): PeriodicJob {
  const log = opts.logger.child({ component: 'cutoff-scheduler' });
  const { models } = opts;

  async function runOnce(): Promise<number> {
    const now = new Date();
    const due = dueDay(now, opts.cutoffTime);
    const earliest = addDays(due, -(opts.catchupDays - 1));
    const markets = new Set<string>([
      ...(await models.Contribution.distinct('marketId', { batchId: null, businessDay: { $lte: due } })).map(String),
      ...(await models.Line.distinct('marketId', { state: 'carried', rolledInto: null })).map(String),
    ]);
    let closed = 0;
    for (const marketId of [...markets].sort()) {
      // A run in progress stops between markets, not only between polls.
      if (job.stopping()) break;
      const latest = await models.Batch.findOne({ marketId }).sort({ businessDay: -1 }).lean<BatchDoc>();
      if (latest?.state === 'closing') continue;
      const after = latest ? addDays(latest.businessDay, 1) : earliest;
      const start = after > earliest ? after : earliest;
      if (start > due) continue;
      let days = (
        await models.Contribution.distinct('businessDay', {
          marketId,
          batchId: null,
          businessDay: { $gte: start, $lte: due },
        })
      )
        .map(String)
        .sort();
      if (days.length === 0 && latest && latest.businessDay >= earliest) days = [due];
      for (const day of days) {
        try {
          const r = await opts.cutoff.cutoff(
            marketId,
            day,
            { kind: 'scheduler', by: 'scheduler' },
            {
              correlationId: `cutoff:${marketId}:${day}`,
              causationId: 'scheduler',
            },
          );
          if (r.created) closed++;
        } catch (err) {
          // Another replica (or an admin) is closing this market: it will be done by them or on the next tick.
          if (isDomainError(err) && err.kind === 'conflict') break;
          throw err;
        }
      }
    }
    return closed;
  }

  const job = periodicResource({
    name: 'cutoff-scheduler',
    intervalMs: opts.pollMs,
    logger: log,
    run: runOnce,
    doneMessage: 'scheduled cut-offs done',
  });
  return job;
}
