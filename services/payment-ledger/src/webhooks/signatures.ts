import { createHmac, timingSafeEqual } from 'node:crypto';
import { badSignature, staleTimestamp } from './errors';

/**
 * Signature checks for the three providers. Every comparison is constant-time over equal-length buffers (a length
 * mismatch is refused before comparing, which reveals only the length of a hex digest: public anyway).
 */

export function hmacHex(algorithm: 'sha256' | 'sha512', secret: string, message: string | Buffer): string {
  return createHmac(algorithm, secret).update(message).digest('hex');
}

export function constantTimeHexEqual(expectedHex: string, providedHex: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(providedHex) || providedHex.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(providedHex.toLowerCase(), 'hex'));
}

/** Seconds or milliseconds since the epoch (a value past year 5138 in seconds is taken as milliseconds). */
function timestampMs(raw: string): number | undefined {
  if (!/^\d{1,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n > 1e11 ? n : n * 1000;
}

export function checkWindow(tsMs: number, nowMs: number, toleranceSeconds: number): void {
  const skew = Math.round((nowMs - tsMs) / 1000);
  if (Math.abs(skew) > toleranceSeconds) throw staleTimestamp(skew);
}

/**
 * `X-…-Timestamp: <unix seconds>` and `X-…-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`:
 * the bank simulator's scheme and SePay's. The raw bytes are what was signed; a parsed-and-reserialised body is not.
 */
export function verifyTimestampedSha256(opts: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs: number;
  toleranceSeconds: number;
}): void {
  if (!opts.timestamp || !opts.signature) throw badSignature('signature or timestamp header missing');
  const ts = timestampMs(opts.timestamp.trim());
  if (ts === undefined) throw badSignature('timestamp header is not a number');
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(opts.signature.trim());
  if (!m) throw badSignature('signature header is not sha256=<hex>');
  const expected = hmacHex(
    'sha256',
    opts.secret,
    Buffer.concat([Buffer.from(`${opts.timestamp.trim()}.`, 'utf8'), opts.rawBody]),
  );
  if (!constantTimeHexEqual(expected, m[1]!)) throw badSignature('signature does not match');
  checkWindow(ts, opts.nowMs, opts.toleranceSeconds);
}

/** Casso signs JSON of the whole body with keys sorted at every level. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj).sort()) out[k] = sortKeysDeep(obj[k]);
    return out;
  }
  return value;
}

export function parseCassoHeader(header: string | undefined): { t: string; v1: string } | undefined {
  if (!header) return undefined;
  const parts = new Map<string, string>();
  for (const piece of header.split(',')) {
    const i = piece.indexOf('=');
    if (i > 0) parts.set(piece.slice(0, i).trim(), piece.slice(i + 1).trim());
  }
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !v1 || !/^\d{1,16}$/.test(t) || !/^[0-9a-fA-F]{128}$/.test(v1)) return undefined;
  return { t, v1 };
}

/**
 * Casso webhook v2: `X-Casso-Signature: t=<ms>,v1=<hex HMAC-SHA512(key, t + "." + JSON(body, keys sorted))>`.
 * Casso signs a canonical re-serialisation, not the bytes, so the body must be parsed first; the caller does that
 * and passes the value (nothing is stored or acted on before this check).
 */
export function verifyCasso(opts: {
  secret: string;
  header: string | undefined;
  body: unknown;
  nowMs: number;
  toleranceSeconds: number;
}): void {
  const parsed = parseCassoHeader(opts.header);
  if (!parsed) throw badSignature('X-Casso-Signature is missing or not t=<ms>,v1=<hex>');
  const expected = hmacHex('sha512', opts.secret, `${parsed.t}.${JSON.stringify(sortKeysDeep(opts.body))}`);
  if (!constantTimeHexEqual(expected, parsed.v1)) throw badSignature('signature does not match');
  checkWindow(Number(parsed.t), opts.nowMs, opts.toleranceSeconds);
}

/** What a provider would send: used by tests and by anyone writing a client (the bank simulator's engineer). */
export const sign = {
  timestampedSha256(secret: string, timestamp: string, rawBody: string | Buffer): string {
    return `sha256=${hmacHex('sha256', secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]))}`;
  },
  casso(secret: string, tMs: number, body: unknown): string {
    return `t=${tMs},v1=${hmacHex('sha512', secret, `${tMs}.${JSON.stringify(sortKeysDeep(body))}`)}`;
  },
};
