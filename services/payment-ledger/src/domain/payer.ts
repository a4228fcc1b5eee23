import { createHmac } from 'node:crypto';
import type { Counterparty } from './notification';

/** What payment events say about who paid: never the account number itself. */
export interface PayerFacts {
  payerBankBin?: string;
  payerAccountHash?: string;
}

/**
 * The payer's bank and a keyed hash of `bin:account` (HMAC-SHA256, hex), when the notification names the payer's
 * account. Statistics use the hash to tell new from returning payers; without the key nobody can test a guessed
 * account number against it. The account is folded first (spaces, dashes and dots dropped, letters upper-cased) so
 * the same account written two ways hashes the same. The bin is part of the identity when the provider gives it;
 * a provider that gives none hashes `:account`.
 */
export function payerFacts(key: string, counterparty: Counterparty | null): PayerFacts {
  const bin = counterparty?.bin && /^\d{6}$/.test(counterparty.bin) ? counterparty.bin : undefined;
  const account = counterparty?.accountNumber?.replace(/[\s.-]/g, '').toUpperCase();
  const facts: PayerFacts = {};
  if (bin) facts.payerBankBin = bin;
  if (account)
    facts.payerAccountHash = createHmac('sha256', key)
      .update(`${bin ?? ''}:${account}`)
      .digest('hex');
  return facts;
}
