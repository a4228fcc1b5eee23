import { AppError } from '@marketqr/service-kit';

/** Stable auth error codes; clients and tests match on these, never on the message. */
export const AUTH_ERRORS = {
  MISSING_TOKEN: 'AUTH.MISSING_TOKEN',
  INVALID_TOKEN: 'AUTH.INVALID_TOKEN',
  TOKEN_EXPIRED: 'AUTH.TOKEN_EXPIRED',
  FORBIDDEN: 'AUTH.FORBIDDEN',
  LOCKED: 'AUTH.LOCKED',
} as const;

export const missingToken = () => new AppError(AUTH_ERRORS.MISSING_TOKEN, 'a bearer token is required', 401);
/** The reason stays in the logs, not in the answer: telling a caller why a token failed helps forgers. */
export const invalidToken = () => new AppError(AUTH_ERRORS.INVALID_TOKEN, 'the token is not valid', 401);
export const tokenExpired = () => new AppError(AUTH_ERRORS.TOKEN_EXPIRED, 'the token has expired', 401);
export const forbidden = (message = 'not allowed for this user') => new AppError(AUTH_ERRORS.FORBIDDEN, message, 403);
/**
 * 429 AUTH.LOCKED with `details.retryAfterSeconds` (the error middleware also sends it as `Retry-After`). `reason`:
 * `too_many_failures` (this client), or `account_under_attack` (only the account's known devices may log in now).
 */
export const lockedOut = (
  retryAfterSeconds: number,
  reason: 'too_many_failures' | 'account_under_attack' = 'too_many_failures',
) =>
  new AppError(
    AUTH_ERRORS.LOCKED,
    reason === 'account_under_attack'
      ? 'too many failed attempts on this account from elsewhere; log in from a device you used before, or try later'
      : 'too many failed attempts; try again later',
    429,
    { retryAfterSeconds, reason },
  );
