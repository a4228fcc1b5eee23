import { createHmac } from 'node:crypto';

/**
 * How each notification format is signed. One module, so the payment-ledger engineer has one place to cross-check
 * against (the README lists worked examples that `signing.test.ts` pins). Secrets are used as their UTF-8 bytes;
 * signatures are lower-case hex.
 *
 * - bank-sim: `X-MarketQR-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`, with
 *   `X-MarketQR-Timestamp: <unix seconds>`.
 * - sepay: the same construction under `X-SePay-Signature` / `X-SePay-Timestamp`.
 * - casso: `X-Casso-Signature: t=<unix ms>,v1=<hex HMAC-SHA512(secret, t + "." + JSON.stringify(sortKeysDeep(body)))>`:
 *   signed over the body with its keys sorted recursively, NOT over the raw bytes sent (which keep the natural order).
 */

export function hmacHex(algorithm: 'sha256' | 'sha512', secret: string, data: string): string {
  return createHmac(algorithm, secret).update(data, 'utf8').digest('hex');
}

/** Our own format: `sha256=` + hex HMAC-SHA256(secret, `${timestampSeconds}.${rawBody}`). */
export function signBankSim(secret: string, timestampSeconds: number | string, rawBody: string): string {
  return `sha256=${hmacHex('sha256', secret, `${timestampSeconds}.${rawBody}`)}`;
}

/** SePay's HMAC option: `sha256=` + hex HMAC-SHA256(secret, `${timestampSeconds}.${rawBody}`). */
export function signSepay(secret: string, timestampSeconds: number | string, rawBody: string): string {
  return `sha256=${hmacHex('sha256', secret, `${timestampSeconds}.${rawBody}`)}`;
}

/**
 * A copy of `value` whose objects (at every depth, inside arrays too) have their keys in ascending UTF-16 code-unit
 * order (`Array.prototype.sort` without a comparator). Arrays keep their order; primitives are returned as they are.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The string Casso signs: `${t}.${JSON.stringify(sortKeysDeep(body))}` (no spaces, non-ASCII not escaped). */
export function cassoSignedContent(timestampMs: number | string, body: unknown): string {
  return `${timestampMs}.${JSON.stringify(sortKeysDeep(body))}`;
}

/** Casso webhook v2: `t=<unix ms>,v1=<hex HMAC-SHA512(secret, t + "." + sorted-keys JSON of the body)>`. */
export function signCasso(secret: string, timestampMs: number | string, body: unknown): string {
  return `t=${timestampMs},v1=${hmacHex('sha512', secret, cassoSignedContent(timestampMs, body))}`;
}
