import { createHmac, sign, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  createTokenIssuer,
  createTokenVerifier,
  DEVELOPMENT_SECRET,
  generateSigningKey,
  loadAuthConfig,
  publicJwks,
  type AuthConfig,
  type JwksDocument,
} from './index';

const secret = 'a-test-secret-that-is-long-enough-1234567890';
/** HS256 exists for development and test only (production refuses it: see config.test.ts). */
const hs = loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: secret });
const ed = generateSigningKey('EdDSA');
const rsa = generateSigningKey('RS256');
const issuerOf = (key: { privateKeyPem: string }, alg: string, env: NodeJS.ProcessEnv = {}) =>
  loadAuthConfig(
    { NODE_ENV: 'production', JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: key.privateKeyPem, ...env },
    { issuer: true },
  );
/** A verifying service: only the public JWKS, as every service but merchant-onboarding runs. */
const verifierOf = (jwks: JwksDocument | JwksDocument['keys'], alg = 'EdDSA') =>
  loadAuthConfig({
    NODE_ENV: 'production',
    JWT_ALGORITHM: alg,
    JWT_PUBLIC_KEYS: JSON.stringify(Array.isArray(jwks) ? { keys: jwks } : jwks),
  });
const edIssuer = issuerOf(ed, 'EdDSA');
const rsIssuer = issuerOf(rsa, 'RS256');
const edVerifier = verifierOf(ed.jwks);
const rsVerifier = verifierOf(rsa.jwks, 'RS256');

const vendor = { role: 'vendor', sub: 'user-hoa', merchantId: 'stall-a-012', marketId: 'market-bt' } as const;
const admin = { role: 'admin', sub: 'mallory' } as const;
const codeOf = (config: AuthConfig, token: string) => {
  try {
    createTokenVerifier(config).verify(token);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};
const now = () => Math.floor(Date.now() / 1000);
const registered = () => ({ iss: hs.issuer, aud: hs.audience, iat: now(), exp: now() + 600 });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A token signed by hand, with any header, payload and key: what a forger (or another library) would send. */
function handMade(header: object, payload: object, key: string | KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = (header as { alg: string }).alg;
  const sig =
    alg === 'HS256'
      ? createHmac('sha256', key).update(input).digest()
      : sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), key as KeyObject);
  return `${input}.${sig.toString('base64url')}`;
}

describe.each([
  ['HS256', hs, hs, secret as string | KeyObject],
  ['RS256', rsIssuer, rsVerifier, rsa.privateKey],
  ['EdDSA', edIssuer, edVerifier, ed.privateKey],
])('%s tokens', (alg, issuing, verifying, signingKey) => {
  const kid = issuing.signingKey?.kid;
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}) };

  it('round-trip the principal, with the algorithm (and for key pairs the kid) in the header', () => {
    const issued = createTokenIssuer(issuing).issue(vendor);
    for (const config of [verifying, issuing]) {
      const principal = createTokenVerifier(config).verify(issued.token);
      expect(principal).toMatchObject({ ...vendor, tokenId: issued.tokenId });
      expect(principal.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    }
    expect(jwt.decode(issued.token, { complete: true })?.header).toEqual(header);
  });

  it('refuses an expired token with AUTH.TOKEN_EXPIRED', () => {
    // Expiry is decided by the clock the test sets (an hour past a one-minute token), not by how fast this runs.
    const { token } = createTokenIssuer(issuing).issue(vendor, { ttlSeconds: 60 });
    const past = { ...verifying, clockToleranceSeconds: 0 };
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      expect(codeOf(past, token)).toBe('AUTH.TOKEN_EXPIRED');
    } finally {
      Date.now = realNow;
    }
  });

  it('a token verified before is refused once it has expired: what is remembered of it is never its time', () => {
    const { token } = createTokenIssuer(issuing).issue(vendor, { ttlSeconds: 60 });
    const verifier = createTokenVerifier({ ...verifying, clockToleranceSeconds: 0 });
    expect(verifier.verify(token)).toMatchObject(vendor);
    // The same verifier again: answered from what it remembers, the same principal, a copy the caller may change.
    const again = verifier.verify(token);
    expect(again).toMatchObject(vendor);
    again.role = 'admin';
    expect(verifier.verify(token).role).toBe(vendor.role);
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      expect(() => verifier.verify(token)).toThrow(expect.objectContaining({ code: 'AUTH.TOKEN_EXPIRED' }));
    } finally {
      Date.now = realNow;
    }
    // One character of the signature changed is another token: checked in full, and refused.
    const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(() => verifier.verify(forged)).toThrow(expect.objectContaining({ code: 'AUTH.INVALID_TOKEN' }));
  });

  it('refuses another issuer or audience', () => {
    const { token } = createTokenIssuer({ ...issuing, issuer: 'someone-else' }).issue(vendor);
    expect(codeOf(verifying, token)).toBe('AUTH.INVALID_TOKEN');
    const { token: t2 } = createTokenIssuer({ ...issuing, audience: 'another-app' }).issue(vendor);
    expect(codeOf(verifying, t2)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses alg none', () => {
    const unsigned = jwt.sign({ ...vendor, ...registered() }, null, { algorithm: 'none' });
    expect(codeOf(verifying, unsigned)).toBe('AUTH.INVALID_TOKEN');
    // Also a hand-made one with an empty signature, and one with the kid of a real key.
    expect(codeOf(verifying, `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...vendor, ...registered() })}.`)).toBe(
      'AUTH.INVALID_TOKEN',
    );
    expect(codeOf(verifying, `${b64({ ...header, alg: 'none' })}.${b64({ ...vendor, ...registered() })}.`)).toBe(
      'AUTH.INVALID_TOKEN',
    );
  });

  it('refuses a tampered payload', () => {
    const { token } = createTokenIssuer(issuing).issue(vendor);
    const [h, , s] = token.split('.');
    const forged = b64({ ...vendor, merchantId: 'stall-other', ...registered() });
    expect(codeOf(verifying, `${h}.${forged}.${s}`)).toBe('AUTH.INVALID_TOKEN');
  });

  it('refuses tokens without exp, with missing role claims, not yet valid, or garbage', () => {
    const noExp = handMade(header, { ...vendor, iss: issuing.issuer, aud: issuing.audience }, signingKey);
    expect(codeOf(verifying, noExp)).toBe('AUTH.INVALID_TOKEN');
    const noStall = handMade(header, { role: 'vendor', sub: 'u', ...registered() }, signingKey);
    expect(codeOf(verifying, noStall)).toBe('AUTH.INVALID_TOKEN');
    const later = handMade(header, { ...vendor, ...registered(), nbf: now() + 600 }, signingKey);
    expect(codeOf(verifying, later)).toBe('AUTH.INVALID_TOKEN');
    // The same hand-made form with nothing wrong passes: the checks above fail for their reason, not the form.
    expect(codeOf(verifying, handMade(header, { ...vendor, ...registered() }, signingKey))).toBe('ok');
    expect(codeOf(verifying, 'not.a.token')).toBe('AUTH.INVALID_TOKEN');
    expect(codeOf(verifying, 'a.b')).toBe('AUTH.INVALID_TOKEN');
  });
});

describe('a token not signed with merchant-onboarding’s private key is refused by a verifier', () => {
  const verifiers = [
    ['EdDSA', edVerifier],
    ['RS256', rsVerifier],
  ] as const;

  it.each(verifiers)(
    '%s verifier: an admin token minted with an HS256 secret (old scheme, dev secret, any)',
    (_, v) => {
      for (const s of [secret, DEVELOPMENT_SECRET]) {
        const { token } = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: s })).issue(admin);
        expect(codeOf(v, token)).toBe('AUTH.INVALID_TOKEN');
        const withKid = handMade({ alg: 'HS256', typ: 'JWT', kid: ed.kid }, { ...admin, ...registered() }, s);
        expect(codeOf(v, withKid)).toBe('AUTH.INVALID_TOKEN');
      }
    },
  );

  it.each(verifiers)('%s verifier: HS256 keyed with the public key itself (key confusion)', (_, v) => {
    const jwk = JSON.stringify(publicJwks(v).keys[0]);
    const pem = [...v.publicKeys.values()][0]!.export({ type: 'spki', format: 'pem' }).toString();
    for (const k of [jwk, pem]) {
      const kid = publicJwks(v).keys[0]!.kid;
      expect(codeOf(v, handMade({ alg: 'HS256', kid }, { ...admin, ...registered() }, k))).toBe('AUTH.INVALID_TOKEN');
    }
  });

  it('another Ed25519 key: under its own kid (unknown), under the real kid, or with no kid at all', () => {
    const mallory = generateSigningKey('EdDSA');
    const own = createTokenIssuer(issuerOf(mallory, 'EdDSA')).issue(admin).token;
    expect(codeOf(edVerifier, own)).toBe('AUTH.INVALID_TOKEN');
    const stolenKid = createTokenIssuer(issuerOf(mallory, 'EdDSA', { JWT_KEY_ID: ed.kid })).issue(admin).token;
    expect(jwt.decode(stolenKid, { complete: true })?.header.kid).toBe(ed.kid);
    expect(codeOf(edVerifier, stolenKid)).toBe('AUTH.INVALID_TOKEN');
    const noKid = handMade({ alg: 'EdDSA', typ: 'JWT' }, { ...admin, ...registered() }, mallory.privateKey);
    expect(codeOf(edVerifier, noKid)).toBe('AUTH.INVALID_TOKEN');
    // Even onboarding's real key without a kid: every asymmetric token must name its key.
    expect(codeOf(edVerifier, handMade({ alg: 'EdDSA' }, { ...admin, ...registered() }, ed.privateKey))).toBe(
      'AUTH.INVALID_TOKEN',
    );
  });

  it('an unknown kid is refused, and the reason is given to the rejection hook only', () => {
    const reasons: string[] = [];
    const token = handMade({ alg: 'EdDSA', kid: 'no-such-key' }, { ...admin, ...registered() }, ed.privateKey);
    expect(() => createTokenVerifier(edVerifier, { onRejected: (r) => reasons.push(r) }).verify(token)).toThrow(
      expect.objectContaining({ code: 'AUTH.INVALID_TOKEN', message: 'the token is not valid' }),
    );
    expect(reasons).toEqual(['unknown kid "no-such-key"']);
  });

  it('an RS256 token where EdDSA is configured, and the reverse, even with a known kid', () => {
    const edDefault = loadAuthConfig({
      NODE_ENV: 'production',
      JWT_PUBLIC_KEYS: JSON.stringify(ed.jwks),
    });
    const rsToken = createTokenIssuer(issuerOf(rsa, 'RS256', { JWT_KEY_ID: ed.kid })).issue(admin).token;
    expect(codeOf(edDefault, rsToken)).toBe('AUTH.INVALID_TOKEN');
    expect(codeOf(rsVerifier, createTokenIssuer(edIssuer).issue(admin).token)).toBe('AUTH.INVALID_TOKEN');
  });

  it('HS512 with the right secret', () => {
    const other = jwt.sign({ ...vendor, ...registered() }, secret, { algorithm: 'HS512' });
    expect(codeOf(hs, other)).toBe('AUTH.INVALID_TOKEN');
  });
});

describe('key rotation by kid', () => {
  const oldKey = generateSigningKey('EdDSA');
  const newKey = generateSigningKey('EdDSA');
  const oldToken = createTokenIssuer(issuerOf(oldKey, 'EdDSA')).issue(vendor).token;
  // The change-over on merchant-onboarding: the new private key, the old public key as a previous one.
  const rotatedIssuer = issuerOf(newKey, 'EdDSA', { JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(oldKey.jwks) });
  const newToken = createTokenIssuer(rotatedIssuer).issue(vendor).token;

  it('tokens carry the kid of the key that signed them', () => {
    expect(jwt.decode(oldToken, { complete: true })?.header.kid).toBe(oldKey.kid);
    expect(jwt.decode(newToken, { complete: true })?.header.kid).toBe(newKey.kid);
    expect(oldKey.kid).not.toBe(newKey.kid);
  });

  it('while both public keys are configured, tokens of both kids verify (verifiers and the issuer alike)', () => {
    const during = verifierOf([...newKey.jwks.keys, ...oldKey.jwks.keys]);
    for (const config of [during, rotatedIssuer]) {
      expect(codeOf(config, oldToken)).toBe('ok');
      expect(codeOf(config, newToken)).toBe('ok');
    }
    // The issuer publishes both, its current key first, public members only.
    expect(publicJwks(rotatedIssuer).keys.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
  });

  it('once the old public key is removed, its tokens fail and the new ones still verify', () => {
    const after = verifierOf(newKey.jwks);
    expect(codeOf(after, oldToken)).toBe('AUTH.INVALID_TOKEN');
    expect(codeOf(after, newToken)).toBe('ok');
    const issuerAfter = issuerOf(newKey, 'EdDSA');
    expect(codeOf(issuerAfter, oldToken)).toBe('AUTH.INVALID_TOKEN');
    expect(publicJwks(issuerAfter).keys.map((k) => k.kid)).toEqual([newKey.kid]);
  });

  it('before verifiers know the new key, its tokens are refused (so verifiers are updated first)', () => {
    expect(codeOf(verifierOf(oldKey.jwks), newToken)).toBe('AUTH.INVALID_TOKEN');
  });
});

describe('interoperability and issuing', () => {
  it('RS256 and HS256 tokens agree with jsonwebtoken both ways', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ours = createTokenIssuer(rsIssuer).issue(vendor).token;
    expect(
      jwt.verify(ours, pem, { algorithms: ['RS256'], issuer: rsIssuer.issuer, audience: rsIssuer.audience }),
    ).toMatchObject(vendor);
    const theirs = jwt.sign({ ...vendor }, rsa.privateKey, {
      algorithm: 'RS256',
      keyid: rsa.kid,
      expiresIn: 60,
      issuer: rsIssuer.issuer,
      audience: rsIssuer.audience,
    });
    expect(codeOf(rsVerifier, theirs)).toBe('ok');
    const hsToken = createTokenIssuer(hs).issue(vendor).token;
    expect(jwt.verify(hsToken, secret, { algorithms: ['HS256'] })).toMatchObject(vendor);
  });

  it('only the issuer can sign: a verifier configuration has no signing key', () => {
    expect(() => createTokenIssuer(edVerifier)).toThrow(/cannot issue/);
    expect(() => createTokenIssuer(rsVerifier)).toThrow(/cannot issue/);
  });
});
