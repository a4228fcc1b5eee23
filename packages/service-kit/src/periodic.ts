import type { Logger } from 'pino';
import type { Resource } from './service';

/**
 * A job that runs every `intervalMs` (counted from the end of the previous run, so runs never overlap), as a
 * Resource: started after the database and Kafka, stopped before them (finishing the run in hand), and not ready while
 * its last run failed. The schedule lives in the database, not here, so a restart or a second replica picks it up.
 */
export function periodicResource(opts: {
  name: string;
  intervalMs: number;
  logger: Logger;
  run: () => Promise<number>;
  /** Logged when a run did something (returned more than 0). */
  doneMessage?: string;
}): Resource & { runOnce(): Promise<number> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastError: string | undefined;

  const tick = () => {
    if (stopped) return;
    running = opts
      .run()
      .then((n) => {
        lastError = undefined;
        if (n && opts.doneMessage) opts.logger.info({ count: n }, opts.doneMessage);
      })
      .catch((err: Error) => {
        lastError = err.message;
        opts.logger.warn({ job: opts.name, err: err.message }, 'periodic run failed; retrying next tick');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs);
      });
  };

  return {
    name: opts.name,
    runOnce: opts.run,
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
      if (lastError) throw new Error(`last run failed: ${lastError}`);
    },
  };
}
