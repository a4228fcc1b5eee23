import type { Notification } from './notification';

/**
 * Matching a notification to a stall, as a pure decision over what the projections know. The processor looks things
 * up, this decides, the ledger posts. Rules (docs/bank-notifications.md, "What follows for matching"):
 *
 * 1. A dynamic QR's order code found anywhere in the description (case-insensitive) wins: the QR's stall is
 *    credited and the amount compared: equal → paid, less → underpaid, more → overpaid; booked after the QR's expiry
 *    (or after it was revoked) → late, whatever the amount; a second payment of an already paid QR → overpaid.
 *    Unless the bank credited another stall's virtual account: the account is where the money is, so that stall is
 *    credited, the QR is not paid, and the payment is flagged `order_code_of_other_stall` (a fake QR shows one stall's
 *    account and name with another stall's order code; the code is text anyone can copy, the account is not).
 * 2. Else the receiving virtual account names the stall (static QR); the stall code in the description is only a
 *    cross-check: if it is missing the stall is still credited and the entry notes `stall_code_mismatch`.
 * 3. Else the money is the market's (its collection account): suspense, `unmatched`.
 * 4. Else the receiving account is no market's we know: `unknown_account`, kept apart from every market's books.
 *
 * A notification that names something we have not heard of yet (an order code that looks like ours, a virtual
 * account) is held until the qr/merchant event arrives or `MATCH_HOLD_MS` passes, then decided without it: a
 * payment is never lost or misfiled because an event was late.
 */

export type Outcome =
  | 'held_for_review'
  | 'paid'
  | 'underpaid'
  | 'overpaid'
  | 'late'
  | 'order_code_of_other_stall'
  | 'unmatched'
  | 'unknown_account';

export interface StallRef {
  merchantId: string;
  marketId: string;
  stallCode: string;
  status: string;
}

export interface QrRef {
  qrId: string;
  merchantId: string;
  marketId: string;
  stallCode: string;
  orderCode: string;
  amount: number;
  expiresAt: Date | null;
  status: 'issued' | 'revoked' | 'expired';
}

export interface MatchFacts {
  n: Notification;
  /** The stall whose virtual account received the money, if we know it. */
  stallByAccount: StallRef | null;
  /** A virtual account was named and we do not know it (yet). */
  unknownVirtualAccount: string | null;
  /** The dynamic QR the description names, if any (the best of several). */
  qr: QrRef | null;
  /** That QR was already paid by another payment. */
  qrPaidByOther: boolean;
  /** Order-code-looking tokens of the description that no QR we know carries. */
  unknownOrderCodes: string[];
  /** The market whose collection account received the money, if known. */
  marketOfAccount: string | null;
  /** The hold is over: decide with what we know. */
  holdExpired: boolean;
}

export type Credit =
  | { to: 'stall'; merchantId: string; marketId: string; stallCode: string }
  | { to: 'suspense'; marketId: string }
  | { to: 'unidentified' };

export type Decision =
  | { action: 'hold'; orderCodes: string[]; virtualAccount: string | null; why: string }
  | {
      action: 'post';
      outcome: Outcome;
      credit: Credit;
      matchedBy: 'order_code' | 'virtual_account' | null;
      qr: QrRef | null;
      /** Another stall's QR whose order code the description carries (outcome `order_code_of_other_stall`). */
      conflictingQr?: QrRef;
      notes: string[];
    };

/** What makes a notification believable: the bank would never send more than this, nor a time this far off. */
export interface Plausibility {
  maxAmount: number;
  maxClockSkewMs: number;
  /**
   * How far in the past a bank time may be and still be believed (0: no further than maxClockSkewMs). Only for a
   * provider an operator named (BACKDATED_BANK_TIME_DAYS): the demo's history replay has the simulator book transfers
   * weeks back. A bank time in the future never gets more than maxClockSkewMs.
   */
  maxPastMs?: number;
}

/**
 * Why a notification is not believed, or null. An amount over the provider's per-transfer limit, or a booking time
 * far from when it reached us, is a provider bug, a test left pointing at production, or a forgery that got a
 * signature: it is stored (the provider is answered) but booked for a person to look at, never announced.
 */
export function implausibility(
  n: Pick<Notification, 'amount' | 'bankTime'>,
  receivedAt: Date,
  limits: Plausibility,
): 'amount_implausible' | 'bank_time_implausible' | null {
  if (n.amount > limits.maxAmount) return 'amount_implausible';
  const ahead = n.bankTime.getTime() - receivedAt.getTime();
  const allowed = ahead < 0 ? Math.max(limits.maxClockSkewMs, limits.maxPastMs ?? 0) : limits.maxClockSkewMs;
  if (Math.abs(ahead) > allowed) return 'bank_time_implausible';
  return null;
}

/**
 * The decision for an implausible notification: the money is the market's to hold (its suspense, or the unidentified
 * suspense when no market is known) until a manager has checked it with the bank and moved it to the stall, or
 * reversed it. No stall is credited, no QR is paid, no vendor hears of it.
 */
export function forReview(
  d: Extract<Decision, { action: 'post' }>,
  why: string,
): Extract<Decision, { action: 'post' }> {
  return {
    action: 'post',
    outcome: 'held_for_review',
    credit: d.credit.to === 'unidentified' ? d.credit : { to: 'suspense', marketId: d.credit.marketId },
    matchedBy: null,
    qr: null,
    notes: [...d.notes, why],
  };
}

/** Upper-case letters and digits only: how codes are compared inside free text ("mq7k-3m9q" finds "MQ7K3M9Q"). */
export const squash = (s: string): string => s.toUpperCase().replace(/[^0-9A-Z]/g, '');

/** The receiving virtual account and the order code name two different stalls. */
export function accountAndCodeDisagree(stallByAccount: StallRef | null, qr: QrRef | null): boolean {
  return !!stallByAccount && !!qr && stallByAccount.merchantId !== qr.merchantId;
}

export function decide(f: MatchFacts): Decision {
  const notes: string[] = [];
  if (f.qr && f.stallByAccount && accountAndCodeDisagree(f.stallByAccount, f.qr)) {
    const s = f.stallByAccount;
    if (s.status === 'suspended') notes.push('stall_suspended');
    return {
      action: 'post',
      outcome: 'order_code_of_other_stall',
      credit: { to: 'stall', merchantId: s.merchantId, marketId: s.marketId, stallCode: s.stallCode },
      matchedBy: 'virtual_account',
      // Not this payment's QR: it is not paid by it (the processor does not claim it); kept for the manager to see.
      qr: null,
      conflictingQr: f.qr,
      notes: [...notes, 'order_code_of_other_stall'],
    };
  }
  if (f.qr) {
    const q = f.qr;
    let outcome: Outcome;
    if (q.status === 'revoked') {
      notes.push('qr_revoked');
      outcome = 'late';
    } else if (q.expiresAt && f.n.bankTime.getTime() > q.expiresAt.getTime()) {
      outcome = 'late';
    } else if (f.qrPaidByOther) {
      notes.push('qr_already_paid');
      outcome = 'overpaid';
    } else if (f.n.amount === q.amount) outcome = 'paid';
    else outcome = f.n.amount < q.amount ? 'underpaid' : 'overpaid';
    if (f.stallByAccount?.status === 'suspended' && f.stallByAccount.merchantId === q.merchantId)
      notes.push('stall_suspended');
    return {
      action: 'post',
      outcome,
      credit: { to: 'stall', merchantId: q.merchantId, marketId: q.marketId, stallCode: q.stallCode },
      matchedBy: 'order_code',
      qr: q,
      notes,
    };
  }
  if (!f.holdExpired && f.unknownOrderCodes.length > 0) {
    return {
      action: 'hold',
      orderCodes: f.unknownOrderCodes,
      virtualAccount: f.unknownVirtualAccount,
      why: 'order code not known yet',
    };
  }
  if (f.stallByAccount) {
    const s = f.stallByAccount;
    if (!squash(f.n.description).includes(squash(s.stallCode))) notes.push('stall_code_mismatch');
    if (s.status === 'suspended') notes.push('stall_suspended');
    if (f.unknownOrderCodes.length) notes.push('unknown_order_code');
    return {
      action: 'post',
      outcome: 'paid',
      credit: { to: 'stall', merchantId: s.merchantId, marketId: s.marketId, stallCode: s.stallCode },
      matchedBy: 'virtual_account',
      qr: null,
      notes,
    };
  }
  if (!f.holdExpired && f.unknownVirtualAccount) {
    return {
      action: 'hold',
      orderCodes: f.unknownOrderCodes,
      virtualAccount: f.unknownVirtualAccount,
      why: 'virtual account not known yet',
    };
  }
  if (f.unknownVirtualAccount) notes.push('unknown_virtual_account');
  if (f.unknownOrderCodes.length) notes.push('unknown_order_code');
  if (f.marketOfAccount) {
    return {
      action: 'post',
      outcome: 'unmatched',
      credit: { to: 'suspense', marketId: f.marketOfAccount },
      matchedBy: null,
      qr: null,
      notes,
    };
  }
  return {
    action: 'post',
    outcome: 'unknown_account',
    credit: { to: 'unidentified' },
    matchedBy: null,
    qr: null,
    notes,
  };
}

/** Candidate order codes in a description: what the configured pattern finds, and every word-like token. */
export function orderCodeCandidates(text: string, pattern: RegExp): { patterned: string[]; tokens: string[] } {
  const patterned = new Set<string>();
  const re = new RegExp(pattern.source, 'gi');
  for (const m of text.matchAll(re)) patterned.add(m[0].toUpperCase());
  // Banks glue prefixes onto the text ("MBVCB.123.MQ7K3M9QX2" or "...QR MQ7K3M9QX2 thanh toan"): every token too.
  const tokens = new Set(
    text
      .toUpperCase()
      .split(/[^0-9A-Z]+/)
      .filter((t) => t.length >= 4 && t.length <= 25),
  );
  return { patterned: [...patterned], tokens: [...tokens] };
}

/** Of several QRs a description names, the one the shopper most likely paid: open, exact amount, latest. */
export function bestQr(candidates: QrRef[], n: Notification): QrRef | null {
  if (candidates.length === 0) return null;
  const score = (q: QrRef) =>
    (q.status === 'issued' ? 4 : 0) +
    (q.expiresAt === null || q.expiresAt.getTime() >= n.bankTime.getTime() ? 2 : 0) +
    (q.amount === n.amount ? 1 : 0);
  return [...candidates].sort(
    (a, b) => score(b) - score(a) || (b.expiresAt?.getTime() ?? 0) - (a.expiresAt?.getTime() ?? 0),
  )[0]!;
}
