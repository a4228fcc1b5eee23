/**
 * mulberry32: a small seeded pseudo-random generator of numbers in [0, 1). The same seed gives the same sequence on
 * every machine and every run, which Math.random cannot: qr-generation's photo set and the demo's replayed history
 * (scripts/demo/history.js, which requires this file from `dist/`) are drawn from it. Not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
