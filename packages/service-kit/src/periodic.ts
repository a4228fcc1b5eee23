import type { Logger } from 'pino';
import type { Resource } from './service';

export interface PeriodicOptions {
  name: string;
  /** Pause between the end of one run and the start of the next, so runs never overlap. */
  intervalMs: number;
  logger: Logger;
  /** The work of one run; returns how much it did (logged with `doneMessage` when more than 0). */
  run: () => Promise<number>;
  /** Logged at info when a run did something. */
  doneMessage?: string;
  /** Delay before the first run after start; 0 (the default) runs at once. */
  firstRunAfterMs?: number;
  /**
   * Consecutive failed runs after which /readyz reports the job. 1 (the default): a single failure, e.g. the database
   * unreachable. 0: never, for jobs whose failures are retried harmlessly and say nothing about the service's health.
   */
  unreadyAfterFailures?: number;
}

export interface PeriodicJob extends Resource {
  /** One run now, outside the schedule (tests, admin actions). */
  runOnce(): Promise<number>;
  /** True once stop() was called: a long run checks it between items and returns early. */
  stopping(): boolean;
}

/**
 * A job that runs every `intervalMs`, as a Resource: started after the database and Kafka, stopped before them
 * (finishing the run in hand), and not ready while it keeps failing. Every poll-run-reschedule loop in the services
 * goes through here so that stop, overlap and readiness behave the same everywhere. The schedule itself (what is due)
 * lives in the database, not here, so a restart or a second replica picks it up.
 */
export function periodicResource(opts: PeriodicOptions): PeriodicJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  // Separate from `stopped`: runOnce() outside the schedule (before any start) must not read as stopping.
  let stopRequested = false;
  let failures = 0;
  let lastError: string | undefined;
  const unreadyAfter = opts.unreadyAfterFailures ?? 1;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    // unref: a pending tick alone must not keep a process alive that is otherwise done.
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };

  const tick = () => {
    if (stopped) return;
    running = opts
      .run()
      .then((n) => {
        failures = 0;
        lastError = undefined;
        if (n && opts.doneMessage) opts.logger.info({ job: opts.name, count: n }, opts.doneMessage);
      })
      .catch((err: Error) => {
        failures++;
        lastError = err.message;
        opts.logger.warn({ job: opts.name, err: err.message, failures }, 'periodic run failed; retrying next tick');
      })
      .finally(() => {
        running = undefined;
        schedule(opts.intervalMs);
      });
  };

  return {
    name: opts.name,
    runOnce: opts.run,
    stopping: () => stopRequested,
    async start() {
      if (!stopped) return;
      stopped = false;
      stopRequested = false;
      schedule(opts.firstRunAfterMs ?? 0);
    },
    async stop() {
      stopped = true;
      stopRequested = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async check() {
      if (stopped) throw new Error(`${opts.name} is not running`);
      if (unreadyAfter > 0 && failures >= unreadyAfter) throw new Error(`last run failed: ${lastError ?? 'unknown'}`);
    },
  };
}
