import { randomBytes, randomInt } from 'node:crypto';

/**
 * Codes people read, type or see in a bank statement: upper-case, and without the characters one mistakes for
 * another on a phone screen or a faded poster (0/O, 1/I/L) — Crockford's base 32 less 0 and 1, and without U.
 * 30 symbols: 30^8 ≈ 6.6 × 10^11 codes, so a random one collides with any other only by rare chance, and a unique
 * index turns that chance into a retry.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

function randomCode(prefix: string, length: number): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return out;
}

/**
 * The order code of a dynamic QR: in 62/08 (it becomes the transfer description the bank notification echoes back)
 * and 62/01. `MQ` makes it easy to find inside a description banks have prefixed ("MBVCB.123.MQ7K3M9QX2").
 */
export const newOrderCode = (): string => randomCode('MQ', 8);

/** The serial printed on a static poster, so a manager can name one poster among the stall's reprints. */
export const newPosterSerial = (): string => randomCode('PS', 8);

export const ORDER_CODE_PATTERN = new RegExp(`^MQ[${CODE_ALPHABET}]{8}$`);

/** Opaque record ids: unguessable, because images and posters are fetched by id. */
export const newQrId = (): string => `qr_${randomBytes(12).toString('hex')}`;
export const newCheckId = (): string => `chk_${randomBytes(12).toString('hex')}`;
