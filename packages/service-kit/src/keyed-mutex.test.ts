import { KeyedMutex } from './keyed-mutex';

test('work on one key runs one at a time, in call order; other keys run concurrently', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a1 = m.run('a', async () => {
    log.push('a1 start');
    await gate;
    log.push('a1 end');
  });
  const a2 = m.run('a', async () => void log.push('a2'));
  const b1 = m.run('b', async () => void log.push('b1'));
  await b1;
  expect(log).toEqual(['a1 start', 'b1']);
  release();
  await Promise.all([a1, a2]);
  expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  expect(m.size).toBe(0);
});

test('a failure does not block the next caller, and reaches its own caller', async () => {
  const m = new KeyedMutex();
  await expect(m.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(m.run('k', async () => 42)).resolves.toBe(42);
});
