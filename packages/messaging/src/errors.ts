import { isDomainError } from '@marketqr/service-kit';

/**
 * A handler throws this for an operational failure that may pass on a later attempt (a lock, a timeout, a dependency
 * briefly down). The consumer retries it with backoff, a bounded number of times, then dead-letters the message.
 */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** A handler throws this when the message can never succeed as it is: the consumer dead-letters it at once. */
export class NonRetryableError extends Error {
  constructor(
    message: string,
    public readonly code: string = 'HANDLER.REJECTED',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/**
 * Domain errors (a DomainError of any kind but `unavailable`/`internal`, a validation failure, NonRetryableError)
 * will fail the same way on every attempt: retrying only delays the partition. Anything else is presumed operational
 * and worth retrying. The kind decides, never an HTTP status.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RetryableError) return true;
  if (err instanceof NonRetryableError) return false;
  if (isDomainError(err)) return err.kind === 'unavailable' || err.kind === 'internal';
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'ZodError' || name === 'EventValidationError') return false;
  return true;
}

/** A stable code for a failure, for dead-letter headers and metrics. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : 'HANDLER.FAILED';
}
