import type { Outcome } from '../domain/matching';

/**
 * What each kind of journal entry records beside its postings: everything its business events say (events.ts), so
 * whoever completes an entry raises the same events from the stored entry alone. One type per entry kind, read back
 * without casts. Fields marked optional are absent from entries posted before they were recorded.
 */
interface CauseMeta {
  correlationId?: string;
  causationId?: string;
}

/** Where a payment's money sits after an entry: the account holding it, its market, and the bank side. */
interface HolderMeta {
  holderAccount: string | null;
  holderMarketId?: string | null;
  bankAccount: string;
}

export interface PaymentMeta extends CauseMeta, HolderMeta {
  amount: number;
  outcome: Outcome;
  matchedBy: 'order_code' | 'virtual_account' | null;
  creditedTo: 'stall' | 'suspense' | 'unidentified';
  notes: string[];
  provider: string;
  bankTransactionId: string;
  stallCode: string | null;
  qrId: string | null;
  orderCode: string | null;
  expectedAmount: number | null;
  /** A QR of another stall whose order code the transfer carried (outcome order_code_of_other_stall). */
  conflictingQr?: {
    qrId: string;
    merchantId: string;
    stallCode: string;
    orderCode: string | null;
    amount: number | null;
  };
  payerName: string | null;
  payerBankBin?: string;
  payerAccountHash?: string;
  description: string;
  paidAt: string;
  /** What the bank said, kept even when it was not believed (paidAt is then when it reached us). */
  bankTime?: string;
  receivedAt?: string;
}

/** A correction of a payment: the n-th of its sequence (`payment:<id>#<n>`), by whom and why. */
interface CorrectionMeta extends CauseMeta, HolderMeta {
  n: number;
  amount: number;
  bankTransactionId: string;
  by: string;
  role: string;
  reason: string;
  fromAccount: string | null;
}

export interface ReversalMeta extends CorrectionMeta {
  reasonCode: string;
  originalBusinessDay: string;
}

export interface ReallocationMeta extends CorrectionMeta {
  fromMerchantId: string | null;
  toMerchantId: string;
}

/** The legs of a settlement line paid out: payout, fee, netted charges. */
export interface PayoutMeta extends CauseMeta {
  batchId: string;
  settlementLineId: string;
  settledBusinessDay: string;
  bankReference: string;
  grossAmount: number | null;
  notes: string[];
}

export interface EntryMetaOf {
  payment: PaymentMeta;
  reversal: ReversalMeta;
  reallocation: ReallocationMeta;
  payout: PayoutMeta;
  fee: PayoutMeta;
  adjustment: PayoutMeta;
}
