import { waitFor } from '@marketqr/test-harness';
import { createLogger } from './logger';
import { periodicResource, type PeriodicOptions } from './periodic';

const logger = createLogger('periodic-test', 'silent');

function job(run: PeriodicOptions['run'], extra: Partial<PeriodicOptions> = {}) {
  return periodicResource({ name: 'test-job', intervalMs: 5, logger, run, ...extra });
}

describe('periodicResource', () => {
  it('runs repeatedly once started, never two runs at once', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const j = job(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setImmediate(r));
      active--;
      runs++;
      return 1;
    });
    await j.start();
    await j.start(); // a second start does not start a second loop
    await waitFor(() => runs >= 5, { what: 'five runs' });
    await j.stop();
    expect(maxActive).toBe(1);
  });

  // The two tests below prove that nothing ran by moving jest's fake clock past many intervals, not by sleeping:
  // a sleep proves nothing on a slow machine. setImmediate stays real so that promises and I/O settle.
  describe('on a clock the test moves', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    it('stop waits for the run in hand, and no run starts after it', async () => {
      let release!: () => void;
      let finished = false;
      let runs = 0;
      const j = job(async () => {
        runs++;
        await new Promise<void>((r) => (release = r));
        finished = true;
        return 0;
      });
      await j.start();
      await jest.advanceTimersByTimeAsync(0);
      expect(runs).toBe(1);
      let stopped = false;
      const stopping = j.stop().then(() => (stopped = true));
      expect(j.stopping()).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(finished).toBe(true);
      // A thousand intervals later, nothing else ran.
      await jest.advanceTimersByTimeAsync(5_000);
      expect(runs).toBe(1);
    });

    it('waits firstRunAfterMs before the first run', async () => {
      let runs = 0;
      const j = job(
        async () => {
          runs++;
          return 0;
        },
        { firstRunAfterMs: 60_000 },
      );
      await j.start();
      await jest.advanceTimersByTimeAsync(59_999);
      expect(runs).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(runs).toBe(1);
      await j.stop();
    });
  });

  it('reports unready after the configured number of consecutive failures, and ready again after a success', async () => {
    let fail = true;
    let attempts = 0;
    const j = job(
      async () => {
        attempts++;
        if (fail) throw new Error('database unreachable');
        return 0;
      },
      { unreadyAfterFailures: 3 },
    );
    await expect(j.check()).rejects.toThrow(/not running/);
    await j.start();
    await waitFor(() => attempts >= 3, { what: 'three failed runs' });
    await waitFor(
      async () =>
        (await j.check().then(
          () => false,
          () => true,
        )) || undefined,
      { what: 'unready' },
    );
    await expect(j.check()).rejects.toThrow(/database unreachable/);
    fail = false;
    await waitFor(
      async () =>
        j.check().then(
          () => true,
          () => false,
        ),
      { what: 'ready again' },
    );
    await j.stop();
  });

  it('never reports failures when unreadyAfterFailures is 0', async () => {
    let attempts = 0;
    const j = job(
      async () => {
        attempts++;
        throw new Error('harmless');
      },
      { unreadyAfterFailures: 0 },
    );
    await j.start();
    await waitFor(() => attempts >= 3, { what: 'three failed runs' });
    await expect(j.check()).resolves.toBeUndefined();
    await j.stop();
  });

  it('runOnce works outside the schedule and does not read as stopping', async () => {
    const seen: boolean[] = [];
    const j = job(async () => {
      seen.push(j.stopping());
      return 2;
    });
    await expect(j.runOnce()).resolves.toBe(2);
    expect(seen).toEqual([false]);
  });
});
