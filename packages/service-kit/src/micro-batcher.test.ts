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

test('what arrives while a batch is being written becomes one batch, however long the write takes', async () => {
  jest.useFakeTimers();
  try {
    const written: number[][] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const batcher = new MicroBatcher<number, number>({ maxItems: 4, maxWaitMs: 2 }, async (items) => {
      written.push(items);
      if (written.length === 1) await slow;
      return items.map((value) => ({ ok: true, value }));
    });
    const all = [batcher.submit(0)];
    await jest.advanceTimersByTimeAsync(2); // the first batch closes and its write hangs
    // Six items trickle in over 60 ms, far longer than maxWaitMs: none is written while the first batch is in flight.
    for (let n = 1; n <= 6; n++) {
      all.push(batcher.submit(n));
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(written).toEqual([[0]]);
    release();
    await expect(Promise.all(all)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Taken at once when the writer was free, in batches of at most maxItems.
    expect(written).toEqual([[0], [1, 2, 3, 4], [5, 6]]);
    await batcher.flush();
    expect(batcher.stats()).toEqual({ batches: 3, items: 7 });
  } finally {
    jest.useRealTimers();
  }
});
