import { NOTE_MAX_CHARS } from '@marketqr/contracts';
import { DomainError } from '@marketqr/service-kit';
import { NAPAS_LIMIT_VND } from './payload';

export interface DynamicQrRequest {
  amount: number;
  note: string | null;
  ttlSeconds: number;
}

export interface TtlBounds {
  defaultSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

/** The route spec's limit (@marketqr/contracts), counted here in characters after NFC and trimming. */
export const NOTE_MAX = NOTE_MAX_CHARS;
const FIELDS = new Set(['amount', 'note', 'ttlSeconds']);

const bad = (code: string, field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError(code, message, 'invalid', { field, ...extra });

/**
 * Reads a "new dynamic QR" body. Each rule has its own stable code, so an app can tell the vendor exactly what to fix;
 * nothing is stored unless every rule passes. Money is a JSON integer of đồng: "50000" or 50000.5 are refused rather
 * than guessed at.
 */
export function parseDynamicRequest(body: unknown, ttl: TtlBounds): DynamicQrRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DomainError('QR.INVALID_REQUEST', 'a JSON object {amount, note?, ttlSeconds?} is expected', 'invalid');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.has(k));
  if (unknown.length) {
    throw new DomainError('QR.INVALID_REQUEST', `unknown field(s): ${unknown.join(', ')}`, 'invalid', { unknown });
  }

  const amount = b.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw bad('QR.INVALID_AMOUNT', 'amount', 'amount must be a whole number of đồng greater than 0');
  }
  if (amount >= NAPAS_LIMIT_VND) {
    throw bad('QR.AMOUNT_TOO_LARGE', 'amount', 'amount must be under 500,000,000 đồng (the NAPAS 247 limit)', {
      max: NAPAS_LIMIT_VND - 1,
    });
  }

  let ttlSeconds = ttl.defaultSeconds;
  if (b.ttlSeconds !== undefined && b.ttlSeconds !== null) {
    const t = b.ttlSeconds;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < ttl.minSeconds || t > ttl.maxSeconds) {
      throw bad(
        'QR.TTL_OUT_OF_RANGE',
        'ttlSeconds',
        `ttlSeconds must be a whole number from ${ttl.minSeconds} to ${ttl.maxSeconds}`,
        { min: ttl.minSeconds, max: ttl.maxSeconds },
      );
    }
    ttlSeconds = t;
  }

  let note: string | null = null;
  if (b.note !== undefined && b.note !== null) {
    const n = b.note;
    const text = typeof n === 'string' ? n.normalize('NFC').trim() : '';
    if (typeof n !== 'string' || text.length === 0 || [...text].length > NOTE_MAX || /[\p{Cc}\p{Cs}]/u.test(text)) {
      throw bad('QR.INVALID_NOTE', 'note', `note must be 1 to ${NOTE_MAX} characters of text`);
    }
    note = text;
  }
  return { amount, note, ttlSeconds };
}
