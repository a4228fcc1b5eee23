import { createHash } from 'node:crypto';

/** A seeded pseudo-random source in [0, 1). Same seed, same sequence: tests replay fault draws and ids exactly. */
export interface Rng {
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** 32-bit seed from any string, so `BANK_SIM_SEED=market-day-1` works as well as a number. */
export function seedFrom(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0);
}

/** mulberry32: tiny, fast, and good enough for a simulator (not for anything secret). */
export function createRng(seed: string): Rng {
  let a = seedFrom(seed);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}
