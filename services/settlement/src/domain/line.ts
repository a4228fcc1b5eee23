import type { CARRY_REASONS, LineState } from '@marketqr/contracts';
import { feeFor, type FeeSchedule } from './fees';
import { backoffMs } from '@marketqr/service-kit';

/**
 * A settlement line's states:
 *   pending ──► submitted ──► paid
 *      ▲           │  ▲
 *      │           ▼  │
 *      │         failed ──► needs_attention ──(a person re-issues: new key)──► pending
 *   carried: nothing to pay now (net ≤ 0, or the stall cannot be paid); rolled whole into the stall's next line.
 * `submitted` means "sent, outcome not known yet": it is resolved by re-sending the same key.
 */
// The states and carry reasons are part of the API (pages filter and show them): listed beside the route specs in
// @marketqr/contracts.
export { LINE_STATES, type LineState } from '@marketqr/contracts';

/** States the payout worker acts on when their time has come. */
export const DUE_STATES: LineState[] = ['pending', 'submitted', 'failed'];
/** States whose money has not reached the vendor yet but is on its way. */
export const IN_PAYMENT_STATES: LineState[] = ['pending', 'submitted', 'failed', 'needs_attention'];

export type CarryReason = (typeof CARRY_REASONS)[number];

/** What a payment event did to a stall's money, as counted by settlement. */
export interface ContributionLike {
  /** Signed: credits positive, reversals and reallocations away negative. */
  amount: number;
  /** +1 for a payment counted, -1 for one taken away. */
  count: number;
  businessDay: string;
}

export interface Settled {
  gross: number;
  fee: number;
  charges: number;
}

export interface LineAmounts {
  /** Contributions booked on the line's own business day. */
  day: { gross: number; count: number };
  /** Contributions of earlier days that came after their day was cut off: late payments, reversals after payout. */
  adjustments: { amount: number; count: number };
  fee: { amount: number; base: number };
  /** Market charges netted on this line (0 unless the vendor agreed to the current plan). */
  charges: number;
  /** What earlier carried lines bring in. */
  carriedIn: Settled;
  /** Everything this line settles: gross = net + fee + charges; what a payout reports. */
  settle: Settled & { net: number };
}

/**
 * The amounts of one line. A payout settles everything since the stall's previous payout: a line that cannot be
 * paid (net ≤ 0, or a stall on hold) is carried whole into the next one, so `settle` is cumulative and always
 * satisfies gross = net + fee + charges, which is what the ledger posts.
 *
 * - The fee is charged on the line's takings net of reversals (never on a negative amount), see `feeFor`. A reversal
 *   of a payment whose day was already paid lowers a later line's takings, so the fee follows the net takings.
 * - Charges are netted only for a business day the stall traded on (`chargesPerDay` is 0 unless agreed).
 */
export function computeLine(input: {
  businessDay: string;
  contributions: ContributionLike[];
  carried: Settled[];
  schedule: FeeSchedule;
  chargesPerDay: number;
}): LineAmounts {
  let dayGross = 0;
  let dayCount = 0;
  let adj = 0;
  let adjCount = 0;
  for (const c of input.contributions) {
    if (c.businessDay === input.businessDay) {
      dayGross += c.amount;
      dayCount += c.count;
    } else {
      adj += c.amount;
      adjCount += c.count;
    }
  }
  const base = Math.max(0, dayGross + adj);
  const fee = feeFor(base, input.schedule);
  const traded = input.contributions.some((c) => c.businessDay === input.businessDay);
  const charges = traded ? input.chargesPerDay : 0;
  const carriedIn = input.carried.reduce<Settled>(
    (s, c) => ({ gross: s.gross + c.gross, fee: s.fee + c.fee, charges: s.charges + c.charges }),
    { gross: 0, fee: 0, charges: 0 },
  );
  const settle = {
    gross: carriedIn.gross + dayGross + adj,
    fee: carriedIn.fee + fee,
    charges: carriedIn.charges + charges,
    net: 0,
  };
  settle.net = settle.gross - settle.fee - settle.charges;
  return {
    day: { gross: dayGross, count: dayCount },
    adjustments: { amount: adj, count: adjCount },
    fee: { amount: fee, base },
    charges,
    carriedIn,
    settle,
  };
}

export interface StallPayability {
  status: string;
  payoutAccount: { bin: string; accountNumber: string; holderName?: string | null };
}

/** Why a stall cannot be paid now, or null when it can: suspended stalls and unverified accounts are held. */
export function holdReason(stall: StallPayability | null | undefined): CarryReason | null {
  if (!stall) return 'unknown_stall';
  if (stall.status === 'suspended') return 'stall_suspended';
  if (!stall.payoutAccount.holderName) return 'no_verified_account';
  return null;
}

/** Exponential backoff with ±20 % jitter, so lines failed together do not all retry in the same instant. */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  return backoffMs(failures, { baseMs, capMs: maxMs, jitter: 'spread' }, random);
}
