import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@marketqr/test-harness';
import { createTokenIssuer, createTokenVerifier, loadAuthConfig } from './index';

/** scripts/jwt-keys.js is what `npm start` and the docker-compose instructions use to make the key pair. */
const script = (...args: string[]) =>
  execFileSync(process.execPath, [join(repoRoot, 'scripts/jwt-keys.js'), ...args], { encoding: 'utf8' });

describe('scripts/jwt-keys.js', () => {
  it('writes the pair once (private key mode 600), and what it writes is what onboarding and verifiers read', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'jwt-keys-')), 'secrets');
    const kid = script(dir).trim();
    expect(script(dir).trim()).toBe(kid);
    expect(statSync(join(dir, 'jwt-private-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'jwt-public-keys.json'), 'utf8')).not.toMatch(/"d"|PRIVATE/);

    const onboarding = loadAuthConfig(
      { NODE_ENV: 'production', JWT_PRIVATE_KEY_FILE: join(dir, 'jwt-private-key.pem') },
      { issuer: true },
    );
    const verifier = loadAuthConfig({
      NODE_ENV: 'production',
      JWT_PUBLIC_KEYS_FILE: join(dir, 'jwt-public-keys.json'),
    });
    // The script's kid is the issuer's default kid: no JWT_KEY_ID needed.
    expect(onboarding.signingKey?.kid).toBe(kid);
    expect([...verifier.publicKeys.keys()]).toEqual([kid]);
    const { token } = createTokenIssuer(onboarding).issue({ role: 'admin', sub: 'u' });
    expect(createTokenVerifier(verifier).verify(token)).toMatchObject({ role: 'admin' });
  });

  it('--env prints .env lines (a new pair each time) that the services accept', () => {
    const env = (out: string) =>
      Object.fromEntries(
        out
          .split('\n')
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 2, -1)]),
      );
    const first = env(script('--env'));
    expect(Object.keys(first)).toEqual(['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEYS']);
    expect(env(script('--env')).JWT_PUBLIC_KEYS).not.toBe(first.JWT_PUBLIC_KEYS);
    const onboarding = loadAuthConfig(
      { NODE_ENV: 'production', JWT_PRIVATE_KEY: first.JWT_PRIVATE_KEY },
      { issuer: true },
    );
    const verifier = loadAuthConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEYS: first.JWT_PUBLIC_KEYS });
    const { token } = createTokenIssuer(onboarding).issue({ role: 'admin', sub: 'u' });
    expect(createTokenVerifier(verifier).verify(token)).toMatchObject({ role: 'admin' });
  });
});
