import { AppError, DomainError, HTTP_STATUS_OF, type DomainErrorKind } from '@marketqr/service-kit';
import { isRetryable, NonRetryableError, RetryableError } from './errors';

test.each(Object.keys(HTTP_STATUS_OF) as DomainErrorKind[])('a domain error of kind %s: retried or not', (kind) => {
  // The kind decides: only a dependency being away (or an unknown internal fault) may pass on a later attempt.
  expect(isRetryable(new DomainError('X.Y', 'x', kind))).toBe(kind === 'unavailable' || kind === 'internal');
});

test('explicit markers, AppErrors by their status, validation failures, anything else', () => {
  expect(isRetryable(new RetryableError('lock busy'))).toBe(true);
  expect(isRetryable(new NonRetryableError('never'))).toBe(false);
  expect(isRetryable(new AppError('X.Y', 'conflict', 409))).toBe(false);
  expect(isRetryable(new AppError('X.Y', 'down', 503))).toBe(true);
  expect(isRetryable(Object.assign(new Error('bad'), { name: 'ZodError' }))).toBe(false);
  expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
});
