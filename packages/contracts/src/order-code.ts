/**
 * The codes MarketQR prints and banks echo back, defined once: qr-generation draws them, payment-ledger finds them in
 * a transfer's description. Upper-case and without the characters one mistakes for another on a phone screen or a
 * faded poster (0/O, 1/I/L): Crockford's base 32 less 0 and 1, and without U. 30 symbols: 30^8 ≈ 6.6 × 10^11 codes,
 * so a random one collides with another only by rare chance, and a unique index turns that chance into a retry.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A dynamic QR's order code: `MQ` + 8 symbols (in 62/08, so the transfer description the bank notification echoes back
 * carries it; `MQ` makes it easy to find inside a description banks have prefixed, "MBVCB.123.MQ7K3M9QX2").
 */
export const ORDER_CODE_PREFIX = 'MQ';
export const ORDER_CODE_SYMBOLS = 8;

/** The order code as a regular expression source, unanchored (a description contains it). */
export const ORDER_CODE_SOURCE = `${ORDER_CODE_PREFIX}[${CODE_ALPHABET}]{${ORDER_CODE_SYMBOLS}}`;
