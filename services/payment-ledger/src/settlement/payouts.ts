import { causedBy, type EventOfType } from '@marketqr/contracts';
import type { Logger } from '@marketqr/service-kit';
import { accounts } from '../domain/accounts';
import { businessDayOf } from '../domain/time';
import type { Ledger, NewEntry } from '../ledger/ledger';

type SettlementPaid = EventOfType<'settlement.paid'>;

/**
 * Posts a payout that settlement reports as paid, one entry per leg, each idempotent by
 * `payout:<settlementLineId>:<leg>` (a redelivered or re-published settlement.paid finds every leg already there):
 *   transit  stall payable → in transit   (net)
 *   bank     in transit → market bank     (net: the transfer left the bank)
 *   fee      stall payable → market fees  (when feeAmount > 0)
 *   charges  stall payable → market charges receivable (when chargesAmount > 0)
 * Both transit legs are posted together because settlement.paid is the first we hear of the payout; in transit nets
 * to zero per line. settlement.failed posts nothing: nothing was posted in transit before it.
 */
export async function postPayout(ledger: Ledger, event: SettlementPaid, logger: Logger): Promise<void> {
  const d = event.data;
  const fee = d.feeAmount ?? 0;
  const charges = d.chargesAmount ?? 0;
  const cause = causedBy(event);
  const notes: string[] = [];
  if (d.grossAmount !== undefined && d.grossAmount !== d.netAmount + fee + charges) {
    notes.push('gross_differs_from_net_plus_fee_plus_charges');
    logger.warn({ ...d }, 'settlement.paid amounts do not add up; posting the legs as given');
  }
  const payable = accounts.stallPayable(d.merchantId);
  const inTransit = accounts.marketInTransit(d.marketId);
  const common = {
    reference: { type: 'settlement_line', id: d.settlementLineId },
    marketId: d.marketId,
    merchantId: d.merchantId,
    businessDay: businessDayOf(new Date(d.paidAt)),
    meta: {
      batchId: d.batchId,
      settlementLineId: d.settlementLineId,
      settledBusinessDay: d.businessDay,
      bankReference: d.bankReference,
      grossAmount: d.grossAmount ?? null,
      notes,
      ...cause,
    },
  };
  const legs: NewEntry[] = [
    {
      ...common,
      id: `payout:${d.settlementLineId}:transit`,
      kind: 'payout',
      description: `Payout ${d.bankReference} to ${d.payoutAccount.bin}/${d.payoutAccount.accountNumber}`,
      postings: [
        { account: payable, amount: d.netAmount },
        { account: inTransit, amount: -d.netAmount },
      ],
    },
    {
      ...common,
      id: `payout:${d.settlementLineId}:bank`,
      kind: 'payout',
      description: `Payout ${d.bankReference} left the bank`,
      postings: [
        { account: inTransit, amount: d.netAmount },
        { account: accounts.marketBank(d.marketId), amount: -d.netAmount },
      ],
    },
  ];
  if (fee > 0) {
    legs.push({
      ...common,
      id: `payout:${d.settlementLineId}:fee`,
      kind: 'fee',
      description: `Fee for settlement line ${d.settlementLineId}`,
      postings: [
        { account: payable, amount: fee },
        { account: accounts.marketFees(d.marketId), amount: -fee },
      ],
    });
  }
  if (charges > 0) {
    legs.push({
      ...common,
      id: `payout:${d.settlementLineId}:charges`,
      kind: 'adjustment',
      description: `Market charges netted from settlement line ${d.settlementLineId}`,
      postings: [
        { account: payable, amount: charges },
        { account: accounts.marketCharges(d.marketId), amount: -charges },
      ],
    });
  }
  for (const leg of legs) await ledger.post(leg);
}
