import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords and PINs, hashed with scrypt (memory-hard, in Node's standard library). The parameters and salt are stored
 * in the hash string, so they can be raised later: `needsRehash` tells the login flow to re-hash on the next success.
 *
 * Format: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
 *
 * A 6-digit PIN has only a million values: hashing slows an offline attack, the login lockout is what protects it.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
  saltLength: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 };

/** Bounds on parameters read back from storage, so a corrupted or planted hash cannot make a login burn the CPU. */
const LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16, minKey: 16, maxKey: 128 };

function scrypt(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const options = (p: Pick<ScryptParams, 'N' | 'r' | 'p'>): ScryptOptions => ({
  N: p.N,
  r: p.r,
  p: p.p,
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below that for N = 2^15, r = 8.
  maxmem: 256 * p.N * p.r,
});

/** Unicode NFC first: "Hòa" typed on two keyboards can be two different byte strings (precomposed or combining). */
const normalize = (secret: string) => secret.normalize('NFC');

export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(params.saltLength);
  const key = await scrypt(normalize(secret), salt, params.keyLength, options(params));
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > LIMITS.maxN || !Number.isInteger(r) || r < 1 || r > LIMITS.maxR) return undefined;
  if (!Number.isInteger(p) || p < 1 || p > LIMITS.maxP || salt.length < 8) return undefined;
  if (key.length < LIMITS.minKey || key.length > LIMITS.maxKey) return undefined;
  return { N, r, p, salt, key };
}

/** Constant-time comparison. A malformed stored hash verifies nothing (false), it does not throw. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const candidate = await scrypt(normalize(secret), parsed.salt, parsed.key.length, options(parsed));
  return timingSafeEqual(candidate, parsed.key);
}

/** True when the stored hash is weaker than (or differs from) `params`: re-hash after the next successful login. */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  return (
    parsed.N !== params.N || parsed.r !== params.r || parsed.p !== params.p || parsed.key.length !== params.keyLength
  );
}
