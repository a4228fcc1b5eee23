import { createHmac } from 'node:crypto';

/**
 * The same shopper as the bank spells them on different days: banks send the payer's name upper-case, usually without
 * diacritics, sometimes with them ("TRAN VAN BINH", "Trần Văn Bình"). Folding both to one form lets the hash recognise
 * a returning payer.
 */
export function normalisePayerName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'D')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

/**
 * A keyed hash (HMAC-SHA256 with INSIGHTS_PAYER_SALT) of the payer's identity; without the salt nobody can test a
 * guessed identity against the stored values, and nothing raw is stored.
 *
 * The identity is the payer's account when the payment event carries one (`payerAccountHash`, itself a keyed hash
 * made by the ledger: the account number never reaches this service). Otherwise it falls back to the payer's name as
 * the bank spelled it, folded, so two shoppers of the same name count as one; a payment with neither has no payer.
 * The two kinds are prefixed differently so an account can never collide with a name.
 */
export function payerHash(
  salt: string,
  payer: { payerAccountHash?: string | null; payerName?: string | null } | string | null | undefined,
): string | null {
  const p = typeof payer === 'string' || payer == null ? { payerName: payer ?? null } : payer;
  if (p.payerAccountHash) return digest(salt, `account:${p.payerAccountHash}`);
  if (!p.payerName) return null;
  const identity = normalisePayerName(p.payerName);
  if (!identity) return null;
  return digest(salt, `name:${identity}`);
}

function digest(salt: string, identity: string): string {
  return createHmac('sha256', salt).update(identity).digest('hex').slice(0, 32);
}
