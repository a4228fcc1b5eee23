/**
 * Errors with a stable code. Domain code throws (or returns) an AppError; only the HTTP error middleware turns it
 * into a status and a JSON body `{error: {code, message, details}}`. Clients and tests match on `code`, never on text.
 */
export class AppError extends Error {
  constructor(
    /** Stable, dotted, upper-case: `QR.AMOUNT_TOO_LARGE`, `AUTH.FORBIDDEN`. Part of the API contract. */
    public readonly code: string,
    message: string,
    /** HTTP status the middleware answers with. */
    public readonly status: number = 400,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
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

/**
 * A unique index refused a write (MongoDB's and FerretDB's code 11000). Matched on the code alone: FerretDB reports no
 * `keyValue`. Idempotent writes across the project read it as "someone already did this".
 */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}
