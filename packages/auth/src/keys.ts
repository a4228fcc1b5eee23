import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/**
 * Signing keys and their public halves as JWKs (RFC 7517). merchant-onboarding holds the one private key; every other
 * service verifies with the public keys, each named by its `kid`, so a key change-over can accept two at once.
 */
export type AsymmetricAlgorithm = 'EdDSA' | 'RS256';

/** A public signing key as published in a JWKS document: never any private member. */
export interface PublicJwk {
  kty: 'OKP' | 'RSA';
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  /** OKP (Ed25519) */
  crv?: 'Ed25519';
  x?: string;
  /** RSA */
  n?: string;
  e?: string;
}

export interface JwksDocument {
  keys: PublicJwk[];
}

/** Members that only a private (or symmetric) JWK has: a document containing one is refused, never published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** What a `kid` may look like (it travels in every token header and in logs). */
export const KID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/** The RFC 7638 members of a public key, in the order the thumbprint hashes them. */
function requiredMembers(key: KeyObject): Record<string, string> {
  const jwk = key.export({ format: 'jwk' });
  return key.asymmetricKeyType === 'rsa'
    ? { e: jwk.e!, kty: 'RSA', n: jwk.n! }
    : { crv: jwk.crv!, kty: jwk.kty!, x: jwk.x! };
}

/**
 * The key's RFC 7638 JWK thumbprint (SHA-256, base64url): the default `kid`. It is derived from the public key alone,
 * so the issuer and every verifier agree on it without configuring a name. A private key is reduced to its public half.
 */
export function jwkThumbprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(JSON.stringify(requiredMembers(pub)))
    .digest('base64url');
}

/** The public JWK of a key: only the public members, with its kid, algorithm and use. */
export function publicJwk(key: KeyObject, kid: string, alg: AsymmetricAlgorithm): PublicJwk {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return { ...requiredMembers(pub), kid, alg, use: 'sig' } as PublicJwk;
}

/** Why a key cannot sign or verify `alg`, or undefined when it can. */
export function keyProblem(key: KeyObject, alg: AsymmetricAlgorithm): string | undefined {
  if (alg === 'EdDSA') return key.asymmetricKeyType === 'ed25519' ? undefined : 'an Ed25519 key is required for EdDSA';
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return key.asymmetricKeyType === 'rsa' && bits >= 2048
    ? undefined
    : 'an RSA key of at least 2048 bits is required for RS256';
}

/** PEM from the environment: literal `\n` escapes (one-line variables, .env files) become newlines. */
const pemText = (pem: string) => pem.replace(/\\n/g, '\n');

/** Reads a PEM key (`private`: PKCS#8 or PKCS#1; `public`: SPKI), adding a problem naming `name` when it cannot. */
export function readPemKey(
  name: string,
  pem: string,
  kind: 'public' | 'private',
  alg: AsymmetricAlgorithm,
  problems: string[],
): KeyObject | undefined {
  let key: KeyObject;
  try {
    key = kind === 'public' ? createPublicKey(pemText(pem)) : createPrivateKey(pemText(pem));
  } catch (e) {
    problems.push(`${name}: not a readable PEM ${kind} key (${(e as Error).message})`);
    return undefined;
  }
  if (key.type !== kind) {
    problems.push(`${name}: a ${kind} key is expected, not a ${key.type} one`);
    return undefined;
  }
  const problem = keyProblem(key, alg);
  if (problem) {
    problems.push(`${name}: ${problem}`);
    return undefined;
  }
  return key;
}

/**
 * Reads a JWKS document (`{"keys": [...]}`) of public signing keys for `alg`. Every key needs a `kid`; `alg` and
 * `use`, when present, must be `alg` and `sig`; a key with private members (`d` …) is refused outright, so a private
 * key pasted by mistake is never trusted, logged or published. Problems name `name`.
 */
export function readJwks(
  name: string,
  text: string,
  alg: AsymmetricAlgorithm,
  problems: string[],
): { kid: string; key: KeyObject }[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    problems.push(`${name}: not JSON (${(e as Error).message}); expected a JWKS document {"keys":[…]}`);
    return [];
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    problems.push(`${name}: expected a JWKS document {"keys":[…]}`);
    return [];
  }
  const out: { kid: string; key: KeyObject }[] = [];
  keys.forEach((jwk: unknown, i) => {
    const read = readJwk(jwk, alg);
    if (typeof read === 'string') problems.push(`${name}: key ${i}${read}`);
    else out.push(read);
  });
  return out;
}

/** One public JWK, or the problem with it (starting with `: ` or ` (kid): `). */
function readJwk(jwk: unknown, alg: AsymmetricAlgorithm): { kid: string; key: KeyObject } | string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return ': not an object';
  const j = jwk as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.filter((m) => m in j);
  if (secret.length) return `: has private members (${secret.join(', ')}); public keys only`;
  if (typeof j.kid !== 'string' || !KID_PATTERN.test(j.kid)) return `: "kid" missing or not ${KID_PATTERN.source}`;
  if (j.alg !== undefined && j.alg !== alg) return ` (${j.kid}): alg ${String(j.alg)} is not ${alg}`;
  if (j.use !== undefined && j.use !== 'sig') return ` (${j.kid}): use must be "sig"`;
  let key: KeyObject;
  try {
    const members = j.kty === 'RSA' ? { kty: 'RSA', n: j.n, e: j.e } : { kty: j.kty, crv: j.crv, x: j.x };
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch (e) {
    return ` (${j.kid}): not a readable public JWK (${(e as Error).message})`;
  }
  const problem = keyProblem(key, alg);
  return problem ? ` (${j.kid}): ${problem}` : { kid: j.kid, key };
}

/**
 * A fresh signing key pair (Ed25519 unless asked for RSA): the private key as PKCS#8 PEM (for `JWT_PRIVATE_KEY`, the
 * issuer only), and the public JWKS (for `JWT_PUBLIC_KEYS`, every verifier). `kid` defaults to the thumbprint, which
 * is also the issuer's default, so the two agree without `JWT_KEY_ID`. For tests and tools; `scripts/jwt-keys.js`
 * does the same from the command line.
 */
export function generateSigningKey(
  alg: AsymmetricAlgorithm = 'EdDSA',
  kid?: string,
): { kid: string; privateKey: KeyObject; publicKey: KeyObject; privateKeyPem: string; jwks: JwksDocument } {
  const { privateKey, publicKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = kid ?? jwkThumbprint(publicKey);
  return {
    kid: id,
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    jwks: { keys: [publicJwk(publicKey, id, alg)] },
  };
}
