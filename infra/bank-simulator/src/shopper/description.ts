import { foldToAscii } from '@marketqr/vietqr';
import type { Rng } from '../support/rng';

/** What the shopper's content may keep once the bank has cleaned it (the purpose from 62/08 or what they typed). */
export const MAX_CONTENT = 140;
/** What reaches the receiving bank: NAPAS carries up to 210 characters of description. */
export const MAX_DESCRIPTION = 210;

export interface DescriptionInput {
  /** The payer's bank code (VCB, MB, TCB…): it decides the style. */
  payerBankCode: string;
  payerAccount: string;
  /** Upper case, no diacritics. */
  payerName: string;
  receiverAccount: string;
  /** Upper case, no diacritics. */
  receiverName: string;
  receiverBankCode: string;
  /** 62/08 of the QR, or what the shopper typed instead. */
  content: string;
  rng: Rng;
}

/**
 * The transfer content as the payer's bank sends it: diacritics folded ("Trả tiền" → "Tra tien"), anything but
 * letters, digits, spaces and `. , - _ / : ( ) +` turned into spaces, spaces collapsed, cut to MAX_CONTENT.
 */
export function cleanContent(text: string): string {
  return foldToAscii(text.normalize('NFC'))
    .replace(/[^A-Za-z0-9 .,\-_/:()+]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_CONTENT)
    .trim();
}

const digits = (rng: Rng, n: number) => {
  let s = String(1 + rng.int(9));
  while (s.length < n) s += String(rng.int(10));
  return s;
};

/**
 * The description the receiving bank books, styled after what Vietnamese banks do to a transfer's content:
 * - Vietcombank payers: `MBVCB.<10 digits>.<6 digits>.<content>.CT tu <payer account> <PAYER> toi <receiver account>
 *   <RECEIVER> tai <BANK>`;
 * - everyone else: `CT DEN:<12-digit trace> <content>`.
 * The whole is cut at MAX_DESCRIPTION characters (so a long content loses the tail, and may lose the code).
 * The digits come from the seeded RNG: one seed, the same descriptions.
 */
export function bankDescription(input: DescriptionInput): string {
  const content = cleanContent(input.content) || `${input.payerName} chuyen tien`;
  const text =
    input.payerBankCode === 'VCB'
      ? `MBVCB.${digits(input.rng, 10)}.${digits(input.rng, 6)}.${content}.CT tu ${input.payerAccount} ` +
        `${input.payerName} toi ${input.receiverAccount} ${input.receiverName} tai ${input.receiverBankCode}`
      : `CT DEN:${digits(input.rng, 12)} ${content}`;
  return text.slice(0, MAX_DESCRIPTION).trimEnd();
}
