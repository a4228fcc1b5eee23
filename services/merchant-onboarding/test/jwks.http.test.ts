/**
 * merchant-onboarding as the only token issuer: it signs with its Ed25519 private key (kid in every header) and
 * publishes the public keys at GET /.well-known/jwks.json, the previous key too during a change-over; what it
 * publishes is all another service needs to verify its tokens, and it holds no private material.
 */
import {
  createTokenIssuer,
  createTokenVerifier,
  DEVELOPMENT_SECRET,
  generateSigningKey,
  loadAuthConfig,
  type JwksDocument,
} from '@marketqr/auth';
import { runService } from '@marketqr/service-runtime';
import type { RunningService } from '@marketqr/service-kit';
import { uniqueName, serviceTestEnv } from '@marketqr/test-harness';
import { definition } from '../src/service';

const ADMIN_PASSWORD = 'jwks-test-admin-password';
const current = generateSigningKey('EdDSA');
const previous = generateSigningKey('EdDSA');
let svc: RunningService;
let base: string;

beforeAll(async () => {
  svc = await runService(definition, {
    env: {
      ...serviceTestEnv({ dbName: uniqueName('test_onboarding_jwks'), topicPrefix: `${uniqueName('mo-jwks')}.` }),
      // The deployment shape: the private key here only, the key being retired as a previous public key.
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: current.privateKeyPem,
      JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(previous.jwks),
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
    },
  });
  await svc.ready;
  base = `http://127.0.0.1:${svc.port}`;
});

afterAll(async () => {
  await svc?.stop();
});

const getMarkets = (token: string) =>
  fetch(`${base}/markets`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { error?: { code: string } },
  }));
const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());

test('GET /.well-known/jwks.json: the current and the previous public key, public members only', async () => {
  const res = await fetch(`${base}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
  expect(res.headers.get('cache-control')).toBe('public, max-age=300');
  const text = await res.text();
  const doc = JSON.parse(text) as JwksDocument;
  expect(doc).toEqual({ keys: [current.jwks.keys[0], previous.jwks.keys[0]] });
  for (const key of doc.keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  expect(text).not.toMatch(/"d"|PRIVATE/);
});

test('a login’s token names the current kid and verifies with the published JWKS alone', async () => {
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  expect(header(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: current.kid });
  const published = await (await fetch(`${base}/.well-known/jwks.json`)).text();
  // Another service, configured with what onboarding publishes (JWT_PUBLIC_KEYS) and nothing else.
  const verifier = createTokenVerifier(loadAuthConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEYS: published }));
  expect(verifier.verify(token)).toMatchObject({ role: 'admin' });
  expect((await getMarkets(token)).status).toBe(200);
});

test('during the change-over a token of the previous key is still accepted; other keys and HS256 are refused', async () => {
  const signer = (key: { privateKeyPem: string }, env: NodeJS.ProcessEnv = {}) =>
    createTokenIssuer(
      loadAuthConfig({ NODE_ENV: 'test', JWT_PRIVATE_KEY: key.privateKeyPem, ...env }, { issuer: true }),
    );
  const admin = { role: 'admin', sub: 'u-admin' } as const;
  expect((await getMarkets(signer(previous).issue(admin).token)).status).toBe(200);

  const mallory = generateSigningKey('EdDSA');
  for (const forged of [
    signer(mallory).issue(admin).token,
    signer(mallory, { JWT_KEY_ID: current.kid }).issue(admin).token,
    createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: DEVELOPMENT_SECRET })).issue(admin).token,
  ]) {
    const res = await getMarkets(forged);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'AUTH.INVALID_TOKEN' });
  }
});

test('the route is in the OpenAPI document', async () => {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  expect(doc.paths['/.well-known/jwks.json']).toMatchObject({ get: { tags: ['auth'] } });
});
