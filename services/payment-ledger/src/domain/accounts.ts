/**
 * The chart of accounts. Every posting is a signed integer number of đồng: **debit positive, credit negative**, and the
 * postings of one entry sum to zero. So asset accounts (the bank) carry positive balances and liability accounts (what
 * is owed to vendors, suspense) negative ones; APIs show a stall's balance as what the vendor is owed (the negation).
 */
export const accounts = {
  /** What the market owes the vendor: credited by payments, debited by payouts, fees, reversals. */
  stallPayable: (merchantId: string) => `stall:${merchantId}:payable`,
  /** The market's collection account at the partner bank, where shoppers' transfers land. */
  marketBank: (marketId: string) => `market:${marketId}:bank`,
  /** Money that reached the market but could not be tied to a stall yet. */
  marketSuspense: (marketId: string) => `market:${marketId}:suspense`,
  /** Fees settlement kept from payouts. */
  marketFees: (marketId: string) => `market:${marketId}:fees`,
  /** Payouts on their way from the market to the vendor's bank. */
  marketInTransit: (marketId: string) => `market:${marketId}:in_transit`,
  /** Market charges (rent, cleaning) netted from payouts: credited when collected that way. */
  marketCharges: (marketId: string) => `market:${marketId}:charges_receivable`,
  /**
   * A notification for an account we cannot tie to any market: recorded (the provider said money arrived) but kept
   * out of every market's books until an admin reallocates it.
   */
  unidentifiedBank: 'unidentified:bank',
  unidentifiedSuspense: 'unidentified:suspense',
} as const;

export function stallOfAccount(account: string): string | null {
  const m = /^stall:(.+):payable$/.exec(account);
  return m ? m[1]! : null;
}

export function marketOfAccount(account: string): string | null {
  const m = /^market:(.+):[a-z_]+$/.exec(account);
  return m ? m[1]! : null;
}
