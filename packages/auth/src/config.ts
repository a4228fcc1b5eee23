import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@marketqr/service-kit';
import {
  jwkThumbprint,
  KID_PATTERN,
  publicJwk,
  readJwks,
  readPemKey,
  type AsymmetricAlgorithm,
  type JwksDocument,
} from './keys';

export const JWT_ALGORITHMS = ['EdDSA', 'RS256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/**
 * Auth settings, read with service-kit's loadConfig: each may come from `NAME` or from a file named by `NAME_FILE`
 * (Docker/Kubernetes secrets). PEM keys may be given with literal `\n` in an environment variable.
 *
 * Who holds what: merchant-onboarding (the issuer) holds the one private key; every other service holds only public
 * keys, so no service but the issuer can mint a token.
 */
export const authConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /**
   * Pinned: a token signed with any other algorithm (or none) is refused. Default: EdDSA, except HS256 in development
   * and test when no key is configured (in-process tests). HS256 is refused in production.
   */
  JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).optional(),
  /** HS256 shared secret, at least 32 characters: development and test only. */
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** EdDSA (Ed25519) or RS256 private key (PEM, PKCS#8), only on the issuer (merchant-onboarding). */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** The issuer's kid for its private key; default: the key's RFC 7638 thumbprint (what `scripts/jwt-keys.js` writes). */
  JWT_KEY_ID: z.string().regex(KID_PATTERN, `expected ${KID_PATTERN.source}`).optional(),
  /** Verifiers: the issuer's public keys as a JWKS document `{"keys":[{kty,crv,x,kid,alg,use}…]}`, by kid. */
  JWT_PUBLIC_KEYS: z.string().optional(),
  /** Keys being retired (a JWKS document): still accepted, and on the issuer still published, during a change-over. */
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  /** One public key as PEM instead of a JWKS (accepted under its thumbprint kid). */
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default('marketqr-merchant-onboarding'),
  JWT_AUDIENCE: z.string().min(1).default('marketqr'),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .max(30 * 86_400)
    .default(3_600),
  /** Allowed clock difference between issuer and verifier for exp/nbf. */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
};

export interface AuthConfig {
  algorithm: JwtAlgorithm;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** HS256 only (development and test): the shared secret, which both signs and verifies. */
  secret?: string;
  /** EdDSA / RS256: every public key a token may be signed with, by kid (two during a change-over). */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** EdDSA / RS256, on the issuer only: the private key, and the kid written into each token's header. */
  signingKey?: { kid: string; key: KeyObject };
  /** True when a development secret stands in for a missing one (never outside development and test). */
  usingDevelopmentSecret: boolean;
}

/** Known to everyone on purpose: it only ever signs tokens on a developer's machine or in tests. */
export const DEVELOPMENT_SECRET = 'marketqr-development-only-secret-never-in-production';

const fail = (problems: string[]) => {
  throw new ConfigError(`invalid auth configuration:\n  ${problems.join('\n  ')}`, problems);
};

/**
 * Reads the auth configuration; a problem throws ConfigError naming the variable, so the service stops at start.
 * - HS256 (development and test only; a development secret stands in for a missing JWT_SECRET).
 * - EdDSA / RS256: `issuer: true` (merchant-onboarding) requires JWT_PRIVATE_KEY and accepts its own public key plus
 *   JWT_PREVIOUS_PUBLIC_KEYS / JWT_PUBLIC_KEYS; any other service requires public keys and refuses a private key.
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env, opts: { issuer?: boolean } = {}): AuthConfig {
  const c = loadConfig(authConfigShape, env);
  const lenient = c.NODE_ENV === 'development' || c.NODE_ENV === 'test';
  const problems: string[] = [];
  const keyGiven = !!(c.JWT_PRIVATE_KEY || c.JWT_PUBLIC_KEYS || c.JWT_PREVIOUS_PUBLIC_KEYS || c.JWT_PUBLIC_KEY);
  const algorithm: JwtAlgorithm = c.JWT_ALGORITHM ?? (lenient && !keyGiven ? 'HS256' : 'EdDSA');
  const base = {
    algorithm,
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    ttlSeconds: c.JWT_TTL_SECONDS,
    clockToleranceSeconds: c.JWT_CLOCK_TOLERANCE_SECONDS,
  };

  if (!lenient && algorithm === 'HS256')
    problems.push(
      'JWT_ALGORITHM: HS256 is refused in production (every holder of the shared secret could mint tokens); use EdDSA ' +
        'with JWT_PRIVATE_KEY on merchant-onboarding and JWT_PUBLIC_KEYS on the other services',
    );
  if (!lenient && c.JWT_SECRET)
    problems.push('JWT_SECRET: a shared signing secret is refused in production; remove it (EdDSA keys replace it)');
  if (algorithm === 'HS256') {
    if (problems.length) fail(problems);
    const secret = c.JWT_SECRET ?? DEVELOPMENT_SECRET;
    return { ...base, secret, publicKeys: new Map(), usingDevelopmentSecret: !c.JWT_SECRET };
  }

  // EdDSA / RS256 have no development fallback: a key pair cannot be shared by convention the way a dev secret can.
  const publicKeys = new Map<string, KeyObject>();
  const add = (name: string, kid: string, key: KeyObject) => {
    const known = publicKeys.get(kid);
    if (known && !known.equals(key)) problems.push(`${name}: kid "${kid}" already names another key`);
    else publicKeys.set(kid, key);
  };
  let signingKey: AuthConfig['signingKey'];
  if (opts.issuer) {
    if (!c.JWT_PRIVATE_KEY)
      problems.push(
        `JWT_PRIVATE_KEY: required (or JWT_PRIVATE_KEY_FILE) on the issuer when JWT_ALGORITHM=${algorithm}`,
      );
    const key = c.JWT_PRIVATE_KEY
      ? readPemKey('JWT_PRIVATE_KEY', c.JWT_PRIVATE_KEY, 'private', algorithm, problems)
      : undefined;
    if (key) {
      signingKey = { kid: c.JWT_KEY_ID ?? jwkThumbprint(key), key };
      add('JWT_PRIVATE_KEY', signingKey.kid, createPublicKey(key));
    }
  } else if (c.JWT_PRIVATE_KEY) {
    problems.push(
      'JWT_PRIVATE_KEY: only the issuer (merchant-onboarding) may hold the signing key; give this service JWT_PUBLIC_KEYS',
    );
  }
  for (const name of ['JWT_PUBLIC_KEYS', 'JWT_PREVIOUS_PUBLIC_KEYS'] as const) {
    const text = c[name];
    if (text) for (const { kid, key } of readJwks(name, text, algorithm, problems)) add(name, kid, key);
  }
  if (c.JWT_PUBLIC_KEY) {
    const key = readPemKey('JWT_PUBLIC_KEY', c.JWT_PUBLIC_KEY, 'public', algorithm, problems);
    if (key) add('JWT_PUBLIC_KEY', jwkThumbprint(key), key);
  }
  if (!opts.issuer && publicKeys.size === 0 && problems.length === 0)
    problems.push(
      `JWT_PUBLIC_KEYS: required (or JWT_PUBLIC_KEYS_FILE) when JWT_ALGORITHM=${algorithm}: the issuer's public keys as a JWKS document`,
    );
  if (problems.length) fail(problems);
  return { ...base, publicKeys, ...(signingKey ? { signingKey } : {}), usingDevelopmentSecret: false };
}

/**
 * The JWKS document a verifier needs: every public key this configuration accepts (on the issuer: its own, first, and
 * the keys being retired). Only public members, whatever the configuration holds. Empty for HS256.
 */
export function publicJwks(config: AuthConfig): JwksDocument {
  if (config.algorithm === 'HS256') return { keys: [] };
  const alg: AsymmetricAlgorithm = config.algorithm;
  // The issuer's own key was added first: it leads the document.
  return { keys: [...config.publicKeys].map(([kid, key]) => publicJwk(key, kid, alg)) };
}

/**
 * The auth settings from a service's validated configuration: its shape includes `authConfigShape`, so the JWT_*
 * values (those read from `_FILE` too) are already there, and they win over the raw process environment.
 */
export function authConfigFrom(settings: Record<string, unknown>, opts: { issuer?: boolean } = {}): AuthConfig {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(settings)) {
    if (v !== undefined && v !== null && typeof v !== 'object') env[k] = String(v);
  }
  return loadAuthConfig(env, opts);
}
