import type { Provider } from '../config';

export interface Counterparty {
  bin: string | null;
  accountNumber: string | null;
  name: string | null;
}

/**
 * One bank notification, whatever provider sent it: what the inbox stores (beside the raw body) and what matching reads.
 * `providerTxId` is the provider's id of the credit, the deduplication key together with `provider`.
 */
export interface Notification {
  provider: Provider;
  providerTxId: string;
  direction: 'in' | 'out';
  /** Integer đồng, positive (outgoing transfers keep their magnitude here and are never posted). */
  amount: number;
  /** The transfer's free text, as the bank reported it. */
  description: string;
  /** The account that received the money (usually the market's collection account). */
  accountNumber: string | null;
  /** The stall's virtual account under the collection account, when the provider reports one. */
  virtualAccount: string | null;
  bankBin: string | null;
  counterparty: Counterparty | null;
  /** When the bank booked the transfer. */
  bankTime: Date;
  /** The bank's own reference (SePay referenceCode, Casso reference): informative, may repeat. */
  reference: string | null;
  /** A payment code the provider extracted from the description (SePay `code`). */
  code: string | null;
}

/** The largest amount accepted: far above NAPAS 247's per-transfer limit, far below float trouble. */
export const MAX_AMOUNT = 1_000_000_000_000;

export function isValidAmount(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount > 0 && amount <= MAX_AMOUNT;
}
