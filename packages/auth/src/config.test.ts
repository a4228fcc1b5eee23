import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { ConfigError } from '@marketqr/service-kit';
import {
  authConfigFrom,
  DEVELOPMENT_SECRET,
  generateSigningKey,
  jwkThumbprint,
  loadAuthConfig,
  publicJwks,
} from './index';

const secret = 'x'.repeat(40);
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};
const ed = generateSigningKey('EdDSA');
const jwks = JSON.stringify(ed.jwks);

describe('loadAuthConfig', () => {
  it('stops a production service without keys, naming the variable (EdDSA is the production default)', () => {
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/^JWT_PUBLIC_KEYS: required/),
    ]);
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'production' }, { issuer: true }))).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY: required/),
    ]);
  });

  it('refuses HS256 in production, naming JWT_ALGORITHM, and a shared secret left behind, naming JWT_SECRET', () => {
    expect(
      problemsOf(() => loadAuthConfig({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256', JWT_SECRET: secret })),
    ).toEqual([
      expect.stringMatching(/^JWT_ALGORITHM: HS256 is refused in production/),
      expect.stringMatching(/^JWT_SECRET: /),
    ]);
    expect(
      problemsOf(() => loadAuthConfig({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256' }, { issuer: true })),
    ).toEqual([expect.stringMatching(/^JWT_ALGORITHM: HS256 is refused/)]);
    // A JWT_SECRET from an old .env is not silently ignored next to the keys either.
    expect(
      problemsOf(() => loadAuthConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEYS: jwks, JWT_SECRET: secret })),
    ).toEqual([expect.stringMatching(/^JWT_SECRET: a shared signing secret is refused in production/)]);
  });

  it('uses the development secret (HS256) only in development and test, and only when no key is given', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const c = loadAuthConfig({ NODE_ENV });
      expect(c).toMatchObject({ usingDevelopmentSecret: true, secret: DEVELOPMENT_SECRET, algorithm: 'HS256' });
      expect(loadAuthConfig({ NODE_ENV, JWT_SECRET: secret })).toMatchObject({ secret, usingDevelopmentSecret: false });
      // Keys given: EdDSA without saying so.
      expect(loadAuthConfig({ NODE_ENV, JWT_PUBLIC_KEYS: jwks }).algorithm).toBe('EdDSA');
    }
  });

  it('refuses a short secret', () => {
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: 'short' }))[0]).toMatch(/JWT_SECRET/);
  });

  it('issuer: the private key (from a _FILE too), its kid (the thumbprint unless JWT_KEY_ID), its public key accepted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(dir, 'key.pem'), ed.privateKeyPem);
    const c = loadAuthConfig({ NODE_ENV: 'production', JWT_PRIVATE_KEY_FILE: join(dir, 'key.pem') }, { issuer: true });
    expect(c.algorithm).toBe('EdDSA');
    expect(c.signingKey?.kid).toBe(ed.kid);
    expect(c.signingKey?.kid).toBe(jwkThumbprint(ed.publicKey));
    expect([...c.publicKeys.keys()]).toEqual([ed.kid]);
    expect(c.publicKeys.get(ed.kid)!.equals(ed.publicKey)).toBe(true);
    // A one-line variable with literal \n works too; JWT_KEY_ID names the key.
    const named = loadAuthConfig(
      { NODE_ENV: 'production', JWT_PRIVATE_KEY: ed.privateKeyPem.replace(/\n/g, '\\n'), JWT_KEY_ID: '2026-05' },
      { issuer: true },
    );
    expect(named.signingKey?.kid).toBe('2026-05');
    expect(publicJwks(named).keys.map((k) => k.kid)).toEqual(['2026-05']);
  });

  it('verifier: the JWKS from JWT_PUBLIC_KEYS(_FILE), no private key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(dir, 'jwks.json'), `${jwks}\n`);
    const c = loadAuthConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEYS_FILE: join(dir, 'jwks.json') });
    expect(c.signingKey).toBeUndefined();
    expect([...c.publicKeys.keys()]).toEqual([ed.kid]);
    expect(
      problemsOf(() =>
        loadAuthConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEYS: jwks, JWT_PRIVATE_KEY: ed.privateKeyPem }),
      ),
    ).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY: only the issuer \(merchant-onboarding\) may hold the signing key/),
    ]);
  });

  it('refuses bad key material, naming the variable', () => {
    const p = (env: NodeJS.ProcessEnv, issuer = false) =>
      problemsOf(() => loadAuthConfig({ NODE_ENV: 'production', ...env }, { issuer }));
    const jwk = ed.jwks.keys[0]!;
    const privateJwk = { ...ed.privateKey.export({ format: 'jwk' }), kid: 'k' };
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [privateJwk] }) })[0]).toMatch(
      /^JWT_PUBLIC_KEYS: key 0: has private members \(d\)/,
    );
    expect(p({ JWT_PUBLIC_KEYS: '{not json' })[0]).toMatch(/^JWT_PUBLIC_KEYS: not JSON/);
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify([jwk]) })[0]).toMatch(/^JWT_PUBLIC_KEYS: expected a JWKS document/);
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...jwk, kid: undefined }] }) })[0]).toMatch(/"kid" missing/);
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...jwk, alg: 'RS256' }] }) })[0]).toMatch(
      /alg RS256 is not EdDSA/,
    );
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...jwk, use: 'enc' }] }) })[0]).toMatch(/use must be "sig"/);
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...jwk, x: 'AAAA' }] }) })[0]).toMatch(
      /not a readable public JWK/,
    );
    // An RSA key where EdDSA is configured, in either variable.
    const rsa = generateSigningKey('RS256');
    expect(p({ JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...rsa.jwks.keys[0], alg: undefined }] }) })[0]).toMatch(
      /an Ed25519 key is required/,
    );
    expect(p({ JWT_PRIVATE_KEY: rsa.privateKeyPem }, true)[0]).toMatch(/^JWT_PRIVATE_KEY: an Ed25519 key is required/);
    expect(p({ JWT_PRIVATE_KEY: 'not a pem' }, true)[0]).toMatch(/^JWT_PRIVATE_KEY: not a readable PEM private key/);
    // One kid naming two different keys (a previous key reusing the current kid).
    const other = generateSigningKey('EdDSA', ed.kid);
    expect(
      p({ JWT_PRIVATE_KEY: ed.privateKeyPem, JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(other.jwks) }, true)[0],
    ).toMatch(/^JWT_PREVIOUS_PUBLIC_KEYS: kid ".+" already names another key/);
    expect(p({ JWT_KEY_ID: 'has spaces in it' }, true)[0]).toMatch(/^JWT_KEY_ID/);
  });

  it('RS256: a JWKS or a PEM public key on verifiers, 2048 bits at least', () => {
    const rsa = generateSigningKey('RS256');
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect([
      ...loadAuthConfig({ NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: pem }).publicKeys.keys(),
    ]).toEqual([rsa.kid]);
    expect(
      loadAuthConfig({ NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEYS: JSON.stringify(rsa.jwks) })
        .publicKeys.size,
    ).toBe(1);
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'development', JWT_ALGORITHM: 'RS256' }))[0]).toMatch(
      /^JWT_PUBLIC_KEYS: required/,
    );
    const small = require('node:crypto').generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(
      problemsOf(() =>
        loadAuthConfig({
          NODE_ENV: 'production',
          JWT_ALGORITHM: 'RS256',
          JWT_PUBLIC_KEY: small.export({ type: 'spki', format: 'pem' }).toString(),
        }),
      )[0],
    ).toMatch(/at least 2048 bits/);
  });

  it('the RFC 8037 (A.3) thumbprint of its Ed25519 example key', () => {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      format: 'jwk',
    });
    expect(jwkThumbprint(key)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
});

describe('publicJwks', () => {
  it('publishes public members only, whatever the configuration holds', () => {
    const previous = generateSigningKey('EdDSA');
    const c = loadAuthConfig(
      {
        NODE_ENV: 'production',
        JWT_PRIVATE_KEY: ed.privateKeyPem,
        JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(previous.jwks),
      },
      { issuer: true },
    );
    const doc = publicJwks(c);
    expect(doc.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: ed.kid, alg: 'EdDSA', use: 'sig' },
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: previous.kid, alg: 'EdDSA', use: 'sig' },
    ]);
    expect(JSON.stringify(doc)).not.toContain('"d"');
    expect(publicJwks(loadAuthConfig({ NODE_ENV: 'test' }))).toEqual({ keys: [] });
  });
});

test('authConfigFrom: a service’s validated settings (numbers too) win over the raw environment', () => {
  const c = authConfigFrom({
    NODE_ENV: 'production',
    JWT_PUBLIC_KEYS: jwks,
    JWT_TTL_SECONDS: 120,
    KAFKA_BROKERS: ['ignored:9092'],
  });
  expect(c.usingDevelopmentSecret).toBe(false);
  expect(c.algorithm).toBe('EdDSA');
  expect(c.ttlSeconds).toBe(120);
});
