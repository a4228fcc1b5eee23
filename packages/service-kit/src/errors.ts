/**
 * What went wrong, in the domain's words: a stable code and a kind. Domain code and consumers throw these and never
 * choose an HTTP status; the HTTP error middleware maps the kind to a status (`HTTP_STATUS_OF`), and the consumer
 * runner maps it to a retry policy (only `unavailable` is worth another attempt: see messaging's `isRetryable`).
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported'
  | 'unprocessable'
  | 'unavailable'
  | 'internal';

export const HTTP_STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
};

export class DomainError extends Error {
  constructor(
    /** Stable, dotted, upper-case: `QR.AMOUNT_TOO_LARGE`, `AUTH.FORBIDDEN`. Part of the API contract. */
    public readonly code: string,
    message: string,
    public readonly kind: DomainErrorKind = 'invalid',
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** The HTTP status the middleware answers with. */
  get status(): number {
    return HTTP_STATUS_OF[this.kind];
  }
}

/**
 * An error raised by the HTTP layer itself (`*.http.ts`, middleware), where a status is the natural word: a
 * DomainError whose kind follows from the status, so consumers and the middleware treat both alike.
 */
export class AppError extends DomainError {
  constructor(code: string, message: string, status: number = 400, details?: unknown) {
    super(code, message, kindOfStatus(status), details);
    this.httpStatus = status;
    this.name = 'AppError';
  }

  private readonly httpStatus: number;

  override get status(): number {
    return this.httpStatus;
  }
}

function kindOfStatus(status: number): DomainErrorKind {
  const found = (Object.entries(HTTP_STATUS_OF) as [DomainErrorKind, number][]).find(([, s]) => s === status);
  if (found) return found[0];
  if (status >= 500) return status === 503 ? 'unavailable' : 'internal';
  return 'invalid';
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(code, message, 400, details);
export const notFound = (code: string, message: string, details?: unknown) => new AppError(code, message, 404, details);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(code, message, 409, details);

/** Thrown at start when the environment does not describe a runnable service. The process exits with its message. */
export class ConfigError extends Error {
  constructor(
    message: string,
    public readonly problems: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A DomainError or an AppError (which is one): has a stable `code`, a `kind` and a `status`. */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/**
 * A unique index refused a write (MongoDB's and FerretDB's code 11000). Matched on the code alone: FerretDB reports no
 * `keyValue`. Idempotent writes across the project read it as "someone already did this".
 */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/**
 * A write a unique index may refuse as "already there": a fact recorded before (a redelivered event, a retried
 * request), an upsert racing another's insert, a claim someone else made first. True when this call wrote, false
 * when the index refused it; any other failure throws. The project's one way to say "insert once".
 */
export async function unlessDuplicate(write: PromiseLike<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
