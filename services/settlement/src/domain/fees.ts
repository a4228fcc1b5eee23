/**
 * A market's fee schedule: a percentage of the day's takings in basis points, with a minimum and a cap, in integer
 * đồng. The default is no fee at all: micro-merchants pay none in QRIS and UPI, and a market opts in deliberately.
 */
export interface FeeSchedule {
  /** 1 bp = 0.01 %; 150 = 1.5 %. 0..10 000. */
  rateBps: number;
  /** Charged when the percentage comes out lower (only on a day with takings). */
  minimumFee: number;
  /** Never more than this per line; null: no cap. */
  maximumFee: number | null;
  /** Days whose takings are at most this pay no fee at all (small vendors); null or 0: no exemption. */
  exemptUpTo: number | null;
  /** Increments on every change; a line records the version it was charged under. */
  version: number;
}

export const NO_FEE: FeeSchedule = { rateBps: 0, minimumFee: 0, maximumFee: null, exemptUpTo: null, version: 0 };

/** Problems with a schedule an admin submitted; empty when it is usable. */
export function scheduleProblems(s: Omit<FeeSchedule, 'version'>): string[] {
  const problems: string[] = [];
  const int = (name: string, v: number | null, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== null && (!Number.isSafeInteger(v) || v < 0 || v > max))
      problems.push(`${name} must be an integer 0..${max}`);
  };
  int('rateBps', s.rateBps, 10_000);
  int('minimumFee', s.minimumFee);
  int('maximumFee', s.maximumFee);
  int('exemptUpTo', s.exemptUpTo);
  if (s.maximumFee !== null && s.maximumFee < s.minimumFee) problems.push('maximumFee must not be below minimumFee');
  return problems;
}

/**
 * The fee on one line's takings (`base`, integer đồng):
 *   - nothing on a day without takings, or at or under the small-vendor exemption;
 *   - otherwise base × rateBps / 10 000 on the TOTAL of the day, rounded half up to the đồng (rounding each payment
 *     would let a vendor who takes many small payments pay less, or more, than one who takes a few large ones);
 *   - at least `minimumFee`, at most `maximumFee`, and never more than the takings themselves.
 * BigInt because base × rateBps can pass 2^53 for a large wholesale market.
 */
export function feeFor(base: number, s: FeeSchedule): number {
  if (!Number.isSafeInteger(base)) throw new RangeError(`fee base must be an integer number of đồng, got ${base}`);
  if (base <= 0) return 0;
  if (s.exemptUpTo !== null && base <= s.exemptUpTo) return 0;
  const raw = Number((BigInt(base) * BigInt(s.rateBps) + 5_000n) / 10_000n);
  let fee = Math.max(raw, s.minimumFee);
  if (s.maximumFee !== null) fee = Math.min(fee, s.maximumFee);
  return Math.min(fee, base);
}
