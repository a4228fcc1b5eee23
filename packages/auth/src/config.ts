import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@marketqr/service-kit';

/**
 * Auth settings, read with service-kit's loadConfig: each may come from `NAME` or from a file named by `NAME_FILE`
 * (Docker/Kubernetes secrets). PEM keys may be given with literal `\n` in an environment variable.
 */
export const authConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Pinned: a token signed with any other algorithm (or none) is refused. */
  JWT_ALGORITHM: z.enum(['HS256', 'RS256']).default('HS256'),
  /** HS256 shared secret, at least 32 characters. */
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** RS256 private key (PEM), only on the issuer (merchant-onboarding). */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** RS256 public key (PEM), on every verifying service. */
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
  algorithm: 'HS256' | 'RS256';
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** HS256: the secret. RS256: the public key. */
  verifyKey: string | KeyObject;
  /** Present when this process may issue tokens. */
  signingKey?: string | KeyObject;
  /** True when a development secret stands in for a missing one (never outside development and test). */
  usingDevelopmentSecret: boolean;
}

/** Known to everyone on purpose: it only ever signs tokens on a developer's machine or in tests. */
export const DEVELOPMENT_SECRET = 'marketqr-development-only-secret-never-in-production';

/**
 * Reads the auth configuration. Outside NODE_ENV development/test a missing secret or key throws ConfigError, so the
 * service stops at start instead of running with no (or a guessable) key. `issuer: true` also requires the signing key.
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env, opts: { issuer?: boolean } = {}): AuthConfig {
  const c = loadConfig(authConfigShape, env);
  const lenient = c.NODE_ENV === 'development' || c.NODE_ENV === 'test';
  const problems: string[] = [];
  const base = {
    algorithm: c.JWT_ALGORITHM,
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    ttlSeconds: c.JWT_TTL_SECONDS,
    clockToleranceSeconds: c.JWT_CLOCK_TOLERANCE_SECONDS,
  };

  if (c.JWT_ALGORITHM === 'HS256') {
    if (!c.JWT_SECRET && !lenient)
      problems.push('JWT_SECRET: required (or JWT_SECRET_FILE) outside development and test');
    if (problems.length) throw new ConfigError(`invalid auth configuration:\n  ${problems.join('\n  ')}`, problems);
    const secret = c.JWT_SECRET ?? DEVELOPMENT_SECRET;
    return { ...base, verifyKey: secret, signingKey: secret, usingDevelopmentSecret: !c.JWT_SECRET };
  }

  // RS256 has no development fallback: a key pair cannot be shared by convention the way a dev secret can.
  const publicKey = readKey('JWT_PUBLIC_KEY', c.JWT_PUBLIC_KEY, 'public', problems);
  const privateKey = opts.issuer ? readKey('JWT_PRIVATE_KEY', c.JWT_PRIVATE_KEY, 'private', problems) : undefined;
  if (problems.length || !publicKey) {
    throw new ConfigError(`invalid auth configuration:\n  ${problems.join('\n  ')}`, problems);
  }
  return {
    ...base,
    verifyKey: publicKey,
    ...(privateKey ? { signingKey: privateKey } : {}),
    usingDevelopmentSecret: false,
  };
}

function readKey(
  name: string,
  pem: string | undefined,
  kind: 'public' | 'private',
  problems: string[],
): KeyObject | undefined {
  if (!pem) {
    problems.push(`${name}: required (or ${name}_FILE) when JWT_ALGORITHM=RS256`);
    return undefined;
  }
  try {
    const text = pem.replace(/\\n/g, '\n');
    const key = kind === 'public' ? createPublicKey(text) : createPrivateKey(text);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < 2048) {
      problems.push(`${name}: an RSA key of at least 2048 bits is required`);
      return undefined;
    }
    return key;
  } catch (e) {
    problems.push(`${name}: not a readable PEM ${kind} key (${(e as Error).message})`);
    return undefined;
  }
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
