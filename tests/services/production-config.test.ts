/**
 * Outside development and test, a service started without its secrets refuses to start, exits non-zero, and names
 * every missing variable in one go (an operator fixes the .env once, not once per restart).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { generateSigningKey } from '@marketqr/auth';
import { repoRoot, testInfra, waitFor } from '@marketqr/test-harness';
import { SERVICES } from '../support/service-process';

const REQUIRED: Record<(typeof SERVICES)[number], string[]> = {
  // Tokens: the issuer needs its private key; every other service the issuer's public keys.
  'merchant-onboarding': ['JWT_PRIVATE_KEY', 'BANK_API_KEY'],
  'qr-generation': ['JWT_PUBLIC_KEYS'],
  'payment-ledger': [
    'JWT_PUBLIC_KEYS',
    'WEBHOOK_SECRET_BANKSIM',
    'WEBHOOK_SECRET_SEPAY',
    'WEBHOOK_SECRET_CASSO',
    'PAYER_HASH_KEY',
  ],
  settlement: ['JWT_PUBLIC_KEYS', 'BANK_API_KEY'],
  'market-insights': ['JWT_PUBLIC_KEYS', 'INSIGHTS_PAYER_SALT'],
};

async function startWithout(
  name: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const { kafkaBrokers, mongoUrl } = testInfra();
  // Only what any deployment sets: no secret of any kind, not even inherited from the test's own environment.
  const child = spawn(process.execPath, [resolve(repoRoot, 'services', name, 'dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      KAFKA_BROKERS: kafkaBrokers.join(','),
      MONGO_URL: mongoUrl,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let code: number | null | undefined;
  child.once('exit', (c) => (code = c));
  try {
    await waitFor(() => code !== undefined, { what: `${name} to exit` });
  } finally {
    if (code === undefined) child.kill('SIGKILL');
  }
  return { code: code ?? null, output };
}

test.each(SERVICES)('%s without its secrets in production: exits 1 naming every one', async (name) => {
  const { code, output } = await startWithout(name);
  expect(code).toBe(1);
  for (const variable of REQUIRED[name]) expect(output).toContain(`${variable}: required`);
  expect(output).not.toMatch(/"msg":"http listening"/);
});

test.each(SERVICES)('%s with a shared HS256 secret in production: exits 1 naming JWT_ALGORITHM', async (name) => {
  const { code, output } = await startWithout(name, {
    JWT_ALGORITHM: 'HS256',
    JWT_SECRET: 'a-shared-secret-any-service-could-mint-with',
  });
  expect(code).toBe(1);
  expect(output).toContain('JWT_ALGORITHM: HS256 is refused in production');
  expect(output).not.toMatch(/"msg":"http listening"/);
});

test.each(SERVICES.filter((s) => s !== 'merchant-onboarding'))(
  '%s given the signing key: exits 1, only merchant-onboarding may hold it',
  async (name) => {
    const key = generateSigningKey('EdDSA');
    const { code, output } = await startWithout(name, {
      JWT_PUBLIC_KEYS: JSON.stringify(key.jwks),
      JWT_PRIVATE_KEY: key.privateKeyPem,
    });
    expect(code).toBe(1);
    expect(output).toContain('JWT_PRIVATE_KEY: only the issuer (merchant-onboarding) may hold the signing key');
  },
);
