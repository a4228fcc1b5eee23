import { MicroBatcher } from './micro-batcher';

test('a batch closes at maxItems; each caller gets its own outcome; batches are written one at a time', async () => {
  const written: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const batcher = new MicroBatcher<number, string>({ maxItems: 3, maxWaitMs: 60_000 }, async (items) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    written.push(items);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return items.map((n) => (n === 4 ? { ok: false, error: new Error('four refused') } : { ok: true, value: `#${n}` }));
  });
  const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n)));
  expect(written).toEqual([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  expect(maxInFlight).toBe(1);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
    '#1',
    '#2',
    '#3',
    'four refused',
    '#5',
    '#6',
  ]);
  expect(batcher.stats()).toEqual({ batches: 2, items: 6 });
});

test('a lone item is written after maxWaitMs; a writer that throws rejects its whole batch, not the next', async () => {
  jest.useFakeTimers();
  try {
    let fail = true;
    const batcher = new MicroBatcher<string, string>({ maxItems: 100, maxWaitMs: 5 }, async (items) => {
      if (fail) throw new Error('database away');
      return items.map((value) => ({ ok: true, value }));
    });
    const first = batcher.submit('a');
    const second = batcher.submit('b');
    jest.advanceTimersByTime(5);
    await expect(first).rejects.toThrow('database away');
    await expect(second).rejects.toThrow('database away');
    fail = false;
    const third = batcher.submit('c');
    await jest.advanceTimersByTimeAsync(5);
    await expect(third).resolves.toBe('c');
  } finally {
    jest.useRealTimers();
  }
});
