import { Wakeup } from './wakeup';

describe('Wakeup', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settledAfter = async (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  };

  it('waits the poll interval when nobody nudges', async () => {
    const w = new Wakeup();
    const p = w.wait(500);
    expect(await settledAfter(p)).toBe(false);
    jest.advanceTimersByTime(500);
    expect(await settledAfter(p)).toBe(true);
  });

  it('a nudge during the wait ends it; one that came while the loop was busy ends the next wait at once', async () => {
    const w = new Wakeup();
    const p = w.wait(500);
    w.nudge();
    expect(await settledAfter(p)).toBe(true);
    w.nudge();
    expect(await settledAfter(w.wait(500))).toBe(true);
    // …and only that one.
    expect(await settledAfter(w.wait(500))).toBe(false);
  });

  it('clear() forgets an earlier nudge; interrupt() ends a wait without leaving one behind', async () => {
    const w = new Wakeup();
    w.nudge();
    w.clear();
    expect(await settledAfter(w.wait(500))).toBe(false);
    jest.advanceTimersByTime(500);
    const p = w.wait(500);
    w.interrupt();
    expect(await settledAfter(p)).toBe(true);
    expect(await settledAfter(w.wait(500))).toBe(false);
  });
});
