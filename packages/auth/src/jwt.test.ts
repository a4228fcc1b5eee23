import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createTokenIssuer, createTokenVerifier, loadAuthConfig, type AuthConfig } from './index';

const secret = 'a-test-secret-that-is-long-enough-1234567890';
const hs = loadAuthConfig({ NODE_ENV: 'production', JWT_SECRET: secret });
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = {
  publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const rs = loadAuthConfig(
  { NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: pem.publicKey, JWT_PRIVATE_KEY: pem.privateKey },
  { issuer: true },
);

const vendor = { role: 'vendor', sub: 'user-hoa', merchantId: 'stall-a-012', marketId: 'market-bt' } as const;
const codeOf = (config: AuthConfig, token: string) => {
  try {
    createTokenVerifier(config).verify(token);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};
const now = () => Math.floor(Date.now() / 1000);
const registered = { iss: hs.issuer, aud: hs.audience, iat: now(), exp: now() + 600 };

describe.each([
  ['HS256', hs],
  ['RS256', rs],
])('%s tokens', (_alg, config) => {
  it('round-trips the principal', () => {
    const issued = createTokenIssuer(config).issue(vendor);
    const principal = createTokenVerifier(config).verify(issued.token);
    expect(principal).toMatchObject({ ...vendor, tokenId: issued.tokenId });
    expect(principal.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    expect(jwt.decode(issued.token, { complete: true })?.header.alg).toBe(config.algorithm);
  });

  it('refuses an expired token with AUTH.TOKEN_EXPIRED', () => {
    const { token } = createTokenIssuer(config).issue(vendor, { ttlSeconds: 1 });
    const past = { ...config, clockToleranceSeconds: 0 };
    const realNow = Date.now;
    Date.now = () => realNow() + 5_000;
    try {
      expect(codeOf(past, token)).toBe('AUTH.TOKEN_EXPIRED');
    } finally {
      Date.now = realNow;
    }
  });

  it('refuses another issuer or audience', () => {
    const { token } = createTokenIssuer({ ...config, issuer: 'someone-else' }).issue(vendor);
    expect(codeOf(config, token)).toBe('AUTH.INVALID_TOKEN');
    const { token: t2 } = createTokenIssuer({ ...config, audience: 'another-app' }).issue(vendor);
    expect(codeOf(config, t2)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses alg none', () => {
    const unsigned = jwt.sign({ ...vendor, ...registered }, null, { algorithm: 'none' });
    expect(codeOf(config, unsigned)).toBe('AUTH.INVALID_TOKEN');
    // Also a hand-made one with an empty signature.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(codeOf(config, `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...vendor, ...registered })}.`)).toBe(
      'AUTH.INVALID_TOKEN',
    );
  });

  it('refuses a tampered payload', () => {
    const { token } = createTokenIssuer(config).issue(vendor);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...vendor, merchantId: 'stall-other', ...registered })).toString(
      'base64url',
    );
    expect(codeOf(config, `${h}.${forged}.${s}`)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses tokens without exp, with missing role claims, or garbage', () => {
    const key = config.signingKey!;
    const noExp = jwt.sign({ ...vendor, iss: config.issuer, aud: config.audience }, key, {
      algorithm: config.algorithm,
    });
    expect(codeOf(config, noExp)).toBe('AUTH.INVALID_TOKEN');
    const noStall = jwt.sign({ role: 'vendor', sub: 'u' }, key, {
      algorithm: config.algorithm,
      issuer: config.issuer,
      audience: config.audience,
      expiresIn: 60,
    });
    expect(codeOf(config, noStall)).toBe('AUTH.INVALID_TOKEN');
    expect(codeOf(config, 'not.a.token')).toBe('AUTH.INVALID_TOKEN');
  });
});

describe('algorithm pinning', () => {
  it('refuses an RS256 token where HS256 is configured', () => {
    const { token } = createTokenIssuer(rs).issue(vendor);
    expect(codeOf({ ...hs, issuer: rs.issuer }, token)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses an HS256 token signed with the RS256 public key (key confusion)', () => {
    const forged = jwt.sign({ ...vendor, ...registered }, pem.publicKey, { algorithm: 'HS256' });
    expect(codeOf(rs, forged)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses HS512 with the right secret', () => {
    const other = jwt.sign({ ...vendor, ...registered }, secret, { algorithm: 'HS512' });
    expect(codeOf(hs, other)).toBe('AUTH.INVALID_TOKEN');
  });

  it('issuer needs a signing key', () => {
    const verifyOnly = loadAuthConfig({
      NODE_ENV: 'production',
      JWT_ALGORITHM: 'RS256',
      JWT_PUBLIC_KEY: pem.publicKey,
    });
    expect(() => createTokenIssuer(verifyOnly)).toThrow(/cannot issue/);
  });
});
