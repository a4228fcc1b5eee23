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
export const lockedOut = (retryAfterSeconds: number) =>
  new AppError(AUTH_ERRORS.LOCKED, 'too many failed attempts; try again later', 429, { retryAfterSeconds });
