/**
 * Outside development and test, a service started without its secrets refuses to start, exits non-zero, and names
 * every missing variable in one go (an operator fixes the .env once, not once per restart).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot, testInfra, waitFor } from '@marketqr/test-harness';
import { SERVICES } from '../support/service-process';

const REQUIRED: Record<(typeof SERVICES)[number], string[]> = {
  'merchant-onboarding': ['JWT_SECRET', 'BANK_API_KEY'],
  'qr-generation': ['JWT_SECRET'],
  'payment-ledger': [
    'JWT_SECRET',
    'WEBHOOK_SECRET_BANKSIM',
    'WEBHOOK_SECRET_SEPAY',
    'WEBHOOK_SECRET_CASSO',
    'PAYER_HASH_KEY',
  ],
  settlement: ['JWT_SECRET', 'BANK_API_KEY'],
  'market-insights': ['JWT_SECRET', 'INSIGHTS_PAYER_SALT'],
};

async function startWithout(name: string): Promise<{ code: number | null; output: string }> {
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
