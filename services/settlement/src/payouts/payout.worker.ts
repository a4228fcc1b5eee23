import type { BankGateway } from '@marketqr/bank-gateway';
import { Wakeup, type Logger, type Resource } from '@marketqr/service-kit';
import type { CutoffService } from '../cutoff/cutoff.service';
import type { Lease } from '@marketqr/mongo';
import type { PayoutService } from './payout.service';

export interface PayoutWorker extends Resource {
  /** Look for due lines now instead of at the next poll (a cut-off or a re-issue in this process). */
  nudge(): void;
}

/**
 * Pays due lines. The schedule is in the database (each line's state and `nextAttemptAt`), so a restart resumes where
 * the last run stopped, and a line left `submitted` by a crash is simply due again: its key is re-sent. One replica
 * works at a time (the lease); while the gateway's payout breaker is open nothing is sent and the lines wait, and the
 * first poll after the breaker lets a trial call through resumes the batch by itself.
 *
 * The lease holder also finishes cut-offs whose closer died (`recoverStale`).
 */
export function payoutWorker(opts: {
  lease: Lease;
  payouts: PayoutService;
  cutoff: CutoffService;
  gateway: BankGateway;
  logger: Logger;
  pollMs: number;
  concurrency: number;
  stopGraceMs: number;
}): PayoutWorker {
  const log = opts.logger.child({ component: 'payout-worker' });
  let running = false;
  let loop: Promise<void> | undefined;
  const wakeup = new Wakeup();
  let lastError: string | undefined;

  const idle = () => (running ? wakeup.wait(opts.pollMs) : Promise.resolve());

  /** One pass over due lines; true when it filled a whole page and moved lines on (there may be more). */
  async function payDue(): Promise<boolean> {
    if (opts.gateway.breakerState('payout') === 'open') return false;
    const limit = opts.concurrency * 8;
    const ids = await opts.payouts.due(limit);
    let next = 0;
    let progressed = 0;
    const lane = async () => {
      while (running && next < ids.length) {
        const id = ids[next++]!;
        try {
          const outcome = await opts.payouts.process(id);
          if (outcome === 'deferred') return;
          if (outcome !== 'skipped' && outcome !== 'abandoned') progressed++;
        } catch (err) {
          log.warn({ lineId: id, err: (err as Error).message }, 'payout step failed; the line stays due');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, ids.length) }, lane));
    // Lines that keep failing to be written must not spin the loop: wait for the next poll then.
    return ids.length === limit && progressed > 0;
  }

  async function run(): Promise<void> {
    while (running) {
      wakeup.clear();
      let more = false;
      try {
        if (await opts.lease.hold()) {
          await opts.cutoff.recoverStale();
          more = await payDue();
        }
        lastError = undefined;
      } catch (err) {
        lastError = (err as Error).message;
        log.warn({ err: lastError }, 'payout worker pass failed');
      }
      if (more) wakeup.nudge();
      await idle();
    }
  }

  return {
    name: 'payout-worker',
    nudge: () => wakeup.nudge(),
    async start() {
      running = true;
      opts.payouts.stopping = false;
      loop = run();
    },
    async stop() {
      running = false;
      opts.payouts.stopping = true;
      wakeup.interrupt();
      // Payouts in flight are given a moment; after that they are abandoned, not lost: each line is `submitted` with
      // its key, and whoever holds the lease next re-sends that key and gets the bank's original answer.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((r) => (timer = setTimeout(r, opts.stopGraceMs)))]);
      clearTimeout(timer);
      await opts.lease.release();
    },
    async check() {
      // The bank being down is not a readiness failure (lines wait); the database being unreachable is.
      if (lastError) throw new Error(`last pass failed: ${lastError}`);
    },
  };
}
