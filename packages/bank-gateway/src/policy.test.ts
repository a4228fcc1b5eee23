import { BANK_OPERATIONS } from './operations';
import { isRetryable, leavesOutcomeUnknown, toBankError } from './policy';
import { AttemptFailure, classifyNetworkError, type FailureKind } from './transport';

const ALL: FailureKind[] = [
  'not_sent',
  'connection_lost',
  'timeout',
  'bank_unavailable',
  'bank_error',
  'bank_timeout',
  'rejected',
  'bad_response',
];

test('a definitive answer is never retried, for any operation', () => {
  for (const op of BANK_OPERATIONS) {
    expect(isRetryable(op, 'rejected')).toBe(false);
    expect(isRetryable(op, 'bad_response')).toBe(false);
  }
});

test('a payout is retried only when it provably did not happen or the outcome must be checked', () => {
  expect(ALL.filter((k) => isRetryable('payout', k)).sort()).toEqual(
    ['bank_error', 'bank_timeout', 'bank_unavailable', 'connection_lost', 'not_sent', 'timeout'].sort(),
  );
  expect(ALL.filter((k) => leavesOutcomeUnknown('payout', k)).sort()).toEqual(
    ['bad_response', 'bank_error', 'bank_timeout', 'connection_lost', 'timeout'].sort(),
  );
});

test('a read never leaves an unknown outcome', () => {
  for (const k of ALL) expect(leavesOutcomeUnknown('name_inquiry', k)).toBe(false);
});

test('each failure maps to its stable code and HTTP status', () => {
  const ctx = { attempts: 2, outcome: 'not_applied' as const, timeoutMs: 200 };
  const map = (kind: FailureKind, info = {}) => {
    const e = toBankError('statement', new AttemptFailure(kind, 'x', info), ctx);
    return [e.code, e.status, (e.details as { reason?: string }).reason];
  };
  expect(map('not_sent')).toEqual(['BANK.UNAVAILABLE', 503, 'unreachable']);
  expect(map('connection_lost')).toEqual(['BANK.UNAVAILABLE', 503, 'connection_lost']);
  expect(map('bank_unavailable')).toEqual(['BANK.UNAVAILABLE', 503, 'bank_unavailable']);
  expect(map('bank_error')).toEqual(['BANK.UNAVAILABLE', 503, 'bank_error']);
  expect(map('timeout')).toEqual(['BANK.TIMEOUT', 504, undefined]);
  expect(map('bank_timeout')).toEqual(['BANK.TIMEOUT', 504, undefined]);
  expect(map('rejected', { bankCode: 'ACCOUNT_NOT_FOUND', httpStatus: 422 })).toEqual([
    'BANK.REJECTED',
    422,
    undefined,
  ]);
  expect(map('bad_response')).toEqual(['BANK.BAD_RESPONSE', 502, undefined]);
});

test('network errors: a refused connection was never sent; a reset may have been', () => {
  const fetchError = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: { code } });
  expect(classifyNetworkError(fetchError('ECONNREFUSED'))).toBe('not_sent');
  expect(classifyNetworkError(fetchError('ENOTFOUND'))).toBe('not_sent');
  expect(classifyNetworkError(fetchError('UND_ERR_SOCKET'))).toBe('connection_lost');
  expect(classifyNetworkError(fetchError('ECONNRESET'))).toBe('connection_lost');
  expect(classifyNetworkError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('timeout');
  // Happy eyeballs wraps the per-address errors.
  const aggregate = Object.assign(new TypeError('fetch failed'), { cause: { errors: [{ code: 'ECONNREFUSED' }] } });
  expect(classifyNetworkError(aggregate)).toBe('not_sent');
});
