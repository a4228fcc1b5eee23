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
 * A keyed hash (HMAC-SHA256 with INSIGHTS_PAYER_SALT) of the payer's identity: without the salt nobody can test a
 * guessed name against the stored values, and the raw name is never stored. The payment events carry only the payer's
 * name (no account, no bank), so the name is the best identity available; two shoppers with the same name count as
 * one. `null` when the bank gave no name.
 */
export function payerHash(salt: string, payerName: string | null | undefined): string | null {
  if (!payerName) return null;
  const identity = normalisePayerName(payerName);
  if (!identity) return null;
  return createHmac('sha256', salt).update(`name:${identity}`).digest('hex').slice(0, 32);
}
