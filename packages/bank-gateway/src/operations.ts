/**
 * The bank operations, each behind its own circuit breaker: a slow statement endpoint must not stop payouts, and a
 * failing payout endpoint must not stop name inquiries during onboarding. The names are metric label values and the
 * simulator's fault-targeting names, so they are part of the contract.
 */
export const BANK_OPERATIONS = [
  'name_inquiry',
  'virtual_account',
  'transaction_lookup',
  'payout',
  'payout_status',
  'statement',
] as const;

export type BankOperation = (typeof BANK_OPERATIONS)[number];
