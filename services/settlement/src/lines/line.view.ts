import { holdReason, IN_PAYMENT_STATES } from '../domain/line';
import type { BatchDoc, ContributionDoc, LineDoc, Models, StallDoc } from '../store/models';

/** An instant as the API shows it (what JSON made of a Date before; the route specs' type says so). */
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A line as the API shows it (no bookkeeping fields). */
export function lineView(l: LineDoc) {
  const p = l.payout;
  return {
    id: l._id,
    merchantId: l.merchantId,
    marketId: l.marketId,
    businessDay: l.businessDay,
    batchId: l.batchId,
    stallCode: l.stallCode,
    vendorName: l.vendorName,
    state: l.state,
    carryReason: l.carryReason,
    rolledInto: l.rolledInto,
    day: l.day,
    adjustments: l.adjustments,
    fee: { amount: l.fee.amount, base: l.fee.base, schedule: l.fee.schedule },
    charges: l.charges,
    carriedIn: l.carriedIn,
    grossAmount: l.settle.gross,
    feeAmount: l.settle.fee,
    chargesAmount: l.settle.charges,
    netAmount: l.settle.net,
    payoutAccount: l.payoutAccount,
    payout: p
      ? {
          epoch: p.epoch,
          idempotencyKey: p.key,
          attempts: p.attempts,
          failures: p.failures,
          nextAttemptAt: isoOrNull(p.nextAttemptAt),
          lastError: p.lastError ? { ...p.lastError, at: iso(p.lastError.at) } : null,
          payoutId: p.payoutId,
          bankReference: p.transactionId ?? p.payoutId,
          paidAt: isoOrNull(p.paidAt),
        }
      : null,
    contributionCount: l.contributionIds.length,
    createdAt: iso(l.createdAt),
    updatedAt: iso(l.updatedAt),
  };
}

export function contributionView(c: ContributionDoc) {
  return {
    id: c._id,
    kind: c.kind,
    businessDay: c.businessDay,
    amount: c.amount,
    paymentId: c.paymentId,
    bankTransactionId: c.bankTransactionId,
    recordedAt: iso(c.recordedAt),
  };
}

export function batchView(b: BatchDoc, states?: Record<string, number>) {
  return {
    id: b._id,
    marketId: b.marketId,
    businessDay: b.businessDay,
    state: b.state,
    trigger: b.trigger,
    createdBy: b.createdBy,
    cutoffAt: iso(b.cutoffAt),
    closedAt: isoOrNull(b.closedAt),
    lineCount: b.lineIds.length,
    payableCount: b.payableCount,
    carriedCount: b.carriedCount,
    totalNetAmount: b.totalNet,
    ...(states ? { linesByState: states } : {}),
  };
}

/**
 * Where every đồng credited to a stall is now. Each line settles everything since the stall's previous payout, so
 * the lines that count are those no later line rolled in; for them gross = net + fee + charges, hence
 *   credits = paidOut + inPayment + carried + unsettled + fees + charges   (to the đồng).
 */
export async function stallSummary(models: Models, merchantId: string) {
  const [stall, contributions, lines] = await Promise.all([
    models.Stall.findById(merchantId).lean<StallDoc>(),
    models.Contribution.find({ merchantId }, { amount: 1 }).lean<Pick<ContributionDoc, '_id' | 'amount'>[]>(),
    models.Line.find({ merchantId }).lean<LineDoc[]>(),
  ]);
  const rolled = new Set(lines.flatMap((l) => l.carriedIn.lineIds));
  // From the lines themselves, not the contributions' marks: a line records what it took before marking it.
  const settled = new Set(lines.flatMap((l) => l.contributionIds));
  const open = lines.filter((l) => !rolled.has(l._id));
  const total = (ls: LineDoc[], f: (l: LineDoc) => number) => ls.reduce((s, l) => s + f(l), 0);
  const credits = contributions.reduce((s, c) => s + c.amount, 0);
  const unsettled = contributions.filter((c) => !settled.has(c._id)).reduce((s, c) => s + c.amount, 0);
  const paidOut = total(
    open.filter((l) => l.state === 'paid'),
    (l) => l.settle.net,
  );
  const inPayment = total(
    open.filter((l) => IN_PAYMENT_STATES.includes(l.state)),
    (l) => l.settle.net,
  );
  const carried = total(
    open.filter((l) => l.state === 'carried'),
    (l) => l.settle.net,
  );
  const fees = total(open, (l) => l.settle.fee);
  const charges = total(open, (l) => l.settle.charges);
  const byState: Record<string, number> = {};
  for (const l of lines) byState[l.state] = (byState[l.state] ?? 0) + 1;
  return {
    merchantId,
    /** Whether the stall can be paid now, and why not: what a vendor asks first. */
    stall: {
      known: !!stall,
      status: stall?.status ?? null,
      holdReason: holdReason(stall),
      payoutAccount: stall?.payoutAccount ?? null,
    },
    credits,
    paidOut,
    inPayment,
    carried,
    unsettled,
    fees,
    charges,
    balanced: credits === paidOut + inPayment + carried + unsettled + fees + charges,
    linesByState: byState,
  };
}
