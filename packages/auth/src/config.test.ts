import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@marketqr/service-kit';
import { authConfigFrom, DEVELOPMENT_SECRET, loadAuthConfig } from './index';

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

describe('loadAuthConfig', () => {
  it('stops a production service without a secret, naming the variable', () => {
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/^JWT_SECRET: required/),
    ]);
  });

  it('uses the development secret only in development and test', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const c = loadAuthConfig({ NODE_ENV });
      expect(c).toMatchObject({ usingDevelopmentSecret: true, verifyKey: DEVELOPMENT_SECRET, algorithm: 'HS256' });
    }
  });

  it('reads the secret from a _FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(dir, 'secret'), `${secret}\n`);
    const c = loadAuthConfig({ NODE_ENV: 'production', JWT_SECRET_FILE: join(dir, 'secret') });
    expect(c).toMatchObject({ verifyKey: secret, usingDevelopmentSecret: false });
  });

  it('refuses a short secret', () => {
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' }))[0]).toMatch(/JWT_SECRET/);
  });

  it('requires RS256 keys even in development, and the private key only on the issuer', () => {
    expect(problemsOf(() => loadAuthConfig({ NODE_ENV: 'development', JWT_ALGORITHM: 'RS256' }))[0]).toMatch(
      /^JWT_PUBLIC_KEY/,
    );
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const env = { NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: pub.replace(/\n/g, '\\n') };
    expect(loadAuthConfig(env).signingKey).toBeUndefined();
    expect(problemsOf(() => loadAuthConfig(env, { issuer: true }))[0]).toMatch(/^JWT_PRIVATE_KEY/);
    expect(problemsOf(() => loadAuthConfig({ ...env, JWT_PUBLIC_KEY: 'not a pem' }))[0]).toMatch(/not a readable/);
  });
});

test('authConfigFrom: a service’s validated settings (numbers too) win over the raw environment', () => {
  const c = authConfigFrom({
    NODE_ENV: 'production',
    JWT_SECRET: 'settings-secret-0123456789abcdef0123456789',
    JWT_TTL_SECONDS: 120,
    KAFKA_BROKERS: ['ignored:9092'],
  });
  expect(c.usingDevelopmentSecret).toBe(false);
  expect(c.ttlSeconds).toBe(120);
});
