import { randomBytes, randomInt } from 'node:crypto';
import { CODE_ALPHABET, ORDER_CODE_PREFIX, ORDER_CODE_SOURCE, ORDER_CODE_SYMBOLS } from '@marketqr/contracts';

/** Codes people read, type or see in a bank statement: the alphabet is the contracts' (payment-ledger reads them). */
export { CODE_ALPHABET } from '@marketqr/contracts';

function randomCode(prefix: string, length: number): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return out;
}

/** The order code of a dynamic QR, in 62/08 and 62/01 (see ORDER_CODE_SOURCE in contracts). */
export const newOrderCode = (): string => randomCode(ORDER_CODE_PREFIX, ORDER_CODE_SYMBOLS);

/** The serial printed on a static poster, so a manager can name one poster among the stall's reprints. */
export const newPosterSerial = (): string => randomCode('PS', 8);

export const ORDER_CODE_PATTERN = new RegExp(`^${ORDER_CODE_SOURCE}$`);

/** Opaque record ids: unguessable, because images and posters are fetched by id. */
export const newQrId = (): string => `qr_${randomBytes(12).toString('hex')}`;
export const newCheckId = (): string => `chk_${randomBytes(12).toString('hex')}`;
