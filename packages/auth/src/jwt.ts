import { createHmac, randomUUID, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ConfigError } from '@marketqr/service-kit';
import type { AuthConfig, JwtAlgorithm } from './config';
import { principalSchema, type Principal, type PrincipalClaims } from './claims';
import { invalidToken, tokenExpired } from './errors';

/**
 * JWTs in JWS compact form, signed and verified with node:crypto (jsonwebtoken 9 has no EdDSA): EdDSA (Ed25519),
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) and, in development and test only, HS256. One algorithm is configured and
 * pinned; asymmetric tokens name their key in the header's `kid`.
 */

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date;
}

export interface TokenIssuer {
  issue(claims: PrincipalClaims, opts?: { ttlSeconds?: number; tokenId?: string }): IssuedToken;
}

const b64json = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signatureOf(alg: JwtAlgorithm, input: string, key: string | KeyObject): Buffer {
  switch (alg) {
    case 'HS256':
      return createHmac('sha256', key).update(input).digest();
    case 'RS256':
      return sign('sha256', Buffer.from(input), key as KeyObject);
    case 'EdDSA':
      return sign(null, Buffer.from(input), key as KeyObject);
  }
}

function signatureValid(alg: JwtAlgorithm, input: string, signature: Buffer, key: string | KeyObject): boolean {
  try {
    switch (alg) {
      case 'HS256': {
        const expected = createHmac('sha256', key).update(input).digest();
        return signature.length === expected.length && timingSafeEqual(signature, expected);
      }
      case 'RS256':
        return verify('sha256', Buffer.from(input), key as KeyObject, signature);
      case 'EdDSA':
        return verify(null, Buffer.from(input), key as KeyObject, signature);
    }
  } catch {
    return false;
  }
}

/**
 * Signs tokens (merchant-onboarding, after a login). Throws ConfigError if this process has no signing key: for EdDSA
 * and RS256 only the issuer's configuration (`loadAuthConfig(env, {issuer: true})`) has one.
 */
export function createTokenIssuer(config: AuthConfig): TokenIssuer {
  const key = config.algorithm === 'HS256' ? config.secret : config.signingKey?.key;
  if (!key) throw new ConfigError('this service cannot issue tokens: no signing key configured', ['JWT_PRIVATE_KEY']);
  const header = b64json({
    alg: config.algorithm,
    typ: 'JWT',
    ...(config.signingKey && config.algorithm !== 'HS256' ? { kid: config.signingKey.kid } : {}),
  });
  return {
    issue(claims, opts = {}) {
      const parsed = principalSchema.parse(claims);
      const tokenId = opts.tokenId ?? randomUUID();
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + (opts.ttlSeconds ?? config.ttlSeconds);
      const payload = b64json({ ...parsed, iat, exp, aud: config.audience, iss: config.issuer, jti: tokenId });
      const input = `${header}.${payload}`;
      const token = `${input}.${signatureOf(config.algorithm, input, key).toString('base64url')}`;
      return { token, tokenId, expiresAt: new Date(exp * 1000) };
    },
  };
}

export interface TokenVerifier {
  /** The principal a token speaks for; throws AppError AUTH.INVALID_TOKEN or AUTH.TOKEN_EXPIRED. */
  verify(token: string): Principal;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Verified tokens kept per process (see createTokenVerifier): a market's phones, bounded. */
const VERIFIED_TOKENS = 10_000;

function jsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies, in this order: the form; the header's `alg` equals the configured one (so `none`, HS/RS confusion and any
 * other algorithm are refused); for EdDSA/RS256 the header's `kid` names one of the configured public keys (an unknown
 * or missing kid is refused); the signature with that key; then issuer, audience, `nbf`, expiry (`exp` required: a
 * token without one would never expire), and MarketQR's claims.
 */
export function createTokenVerifier(
  config: AuthConfig,
  hooks: { onRejected?: (reason: string) => void } = {},
): TokenVerifier {
  const refuse = (reason: string, error = invalidToken()) => {
    hooks.onRejected?.(reason);
    return error;
  };
  /**
   * Tokens already verified, with what they say. A phone sends the same token with every request until it expires,
   * and checking its signature again (an Ed25519 or RSA verification in production) is the same work with the same
   * answer. Keyed by the whole token, signature included, so only the very bytes once verified are trusted; the time
   * checks (nbf, exp) run on every use.
   */
  const verified = new Map<string, { principal: Principal; nbf: number | undefined; exp: number }>();

  const checkTime = (nbf: number | undefined, exp: number) => {
    const now = Math.floor(Date.now() / 1000);
    const tolerance = config.clockToleranceSeconds;
    if (nbf !== undefined && now + tolerance < nbf) throw refuse('not valid yet (nbf)');
    if (now >= exp + tolerance) throw refuse('jwt expired', tokenExpired());
  };

  function verifyFully(token: string) {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw refuse('malformed token');
    const [head, body, sig] = parts as [string, string, string];
    const header = jsonSegment(head);
    if (!header) throw refuse('malformed header');
    if (header.alg !== config.algorithm) throw refuse(`algorithm ${String(header.alg)} is not ${config.algorithm}`);
    if (header.crit !== undefined) throw refuse('critical header parameters are not supported');

    let key: string | KeyObject | undefined;
    if (config.algorithm === 'HS256') key = config.secret;
    else {
      if (typeof header.kid !== 'string') throw refuse('no kid in the header');
      key = config.publicKeys.get(header.kid);
      if (!key) throw refuse(`unknown kid ${JSON.stringify(header.kid.slice(0, 80))}`);
    }
    if (!key || !signatureValid(config.algorithm, `${head}.${body}`, Buffer.from(sig, 'base64url'), key))
      throw refuse('invalid signature');

    const payload = jsonSegment(body);
    if (!payload) throw refuse('malformed payload');
    if (payload.iss !== config.issuer) throw refuse(`issuer ${String(payload.iss)} is not ${config.issuer}`);
    const aud = payload.aud;
    if (!(aud === config.audience || (Array.isArray(aud) && aud.includes(config.audience))))
      throw refuse(`audience ${JSON.stringify(aud)} is not ${config.audience}`);
    for (const claim of ['iat', 'nbf'] as const)
      if (payload[claim] !== undefined && typeof payload[claim] !== 'number') throw refuse(`${claim} not a number`);
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw refuse('no exp claim');
    const nbf = payload.nbf as number | undefined;
    checkTime(nbf, payload.exp);

    const claims = principalSchema.safeParse(payload);
    if (!claims.success)
      throw refuse(`claims: ${claims.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const principal: Principal = {
      ...claims.data,
      tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
      expiresAt: new Date(payload.exp * 1000),
    };
    return { principal, nbf, exp: payload.exp };
  }

  return {
    verify(token) {
      const known = verified.get(token);
      if (known) {
        checkTime(known.nbf, known.exp);
        return { ...known.principal };
      }
      const fresh = verifyFully(token);
      verified.set(token, fresh);
      if (verified.size > VERIFIED_TOKENS) verified.delete(verified.keys().next().value!);
      return { ...fresh.principal };
    },
  };
}
