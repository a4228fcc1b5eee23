import { mulberry32 } from './seeded-random';

describe('mulberry32', () => {
  it('draws the same sequence from the same seed (the demo history and the photo set depend on it)', () => {
    const r = mulberry32(20_260_101);
    expect([r(), r(), r()]).toEqual([0.2559139896184206, 0.5929048631805927, 0.8053383126389235]);
    const a = mulberry32(7);
    const b = mulberry32(7);
    for (let i = 0; i < 1_000; i++) expect(a()).toBe(b());
  });

  it('stays in [0, 1) and takes any number as a seed', () => {
    for (const seed of [0, -1, 2 ** 32 + 5, 1.5]) {
      const r = mulberry32(seed);
      for (let i = 0; i < 1_000; i++) {
        const x = r();
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(1);
      }
    }
  });
});
