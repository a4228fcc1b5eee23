/**
 * docker-compose.yml cannot run on machines without Docker, so this keeps it honest another way: it parses, it runs the
 * same Kafka version as the local scripts, every app is built by the one Node app Dockerfile for its package and port,
 * and every variable it sets is one the services actually read (a typo there would be silently ignored by a container).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { authConfigShape } from '@marketqr/auth';
import { runtimeConfigShape } from '@marketqr/service-runtime';
import { repoRoot } from '@marketqr/test-harness';
import { SERVICES } from '../support/service-process';

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true });

test('runs the Kafka version the local infrastructure runs, and MongoDB 8 as a replica set', () => {
  const pom = readFileSync(join(repoRoot, 'infra/local/kafka/pom.xml'), 'utf8');
  const localVersion = /<kafka.version>([^<]+)</.exec(pom)![1];
  expect(compose.services.kafka.image).toBe(`apache/kafka:${localVersion}`);
  expect(compose.services.mongo.image).toBe('mongo:8');
  expect(compose.services.mongo.command).toEqual(expect.arrayContaining(['--replSet']));
});

test.each(SERVICES)('%s: built by the shared multi-stage, non-root Dockerfile, with known variables', (name) => {
  const svc = compose.services[name];
  expect(svc.build.dockerfile).toBe('infra/docker/node-app.Dockerfile');
  expect(svc.build.args).toEqual({ PACKAGE: `@marketqr/${name}`, PORT: String(svc.environment.PORT) });
  expect(JSON.parse(readFileSync(join(repoRoot, 'services', name, 'package.json'), 'utf8')).name).toBe(
    `@marketqr/${name}`,
  );
  const dockerfile = readFileSync(join(repoRoot, svc.build.dockerfile), 'utf8');
  expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
  expect(dockerfile).toMatch(/^USER node$/m);
  // Each service's own settings live in services/<name>/src/config.ts (`configShape`, auth's JWT_* included).

  const config = require(join(repoRoot, 'services', name, 'src/config.ts')) as Record<string, unknown>;
  const own = (Object.entries(config).find(([k]) => /configShape$/i.test(k))?.[1] ?? {}) as object;
  const known = new Set([
    ...Object.keys(runtimeConfigShape),
    ...Object.keys(authConfigShape),
    ...Object.keys(own),
    'PORT',
  ]);
  for (const key of Object.keys(svc.environment)) expect(known).toContain(key);
  expect(svc.environment.KAFKA_BROKERS).toBe('kafka:9092');
  // Production mode: secrets come from the operator's .env, never from the repository.
  expect(svc.environment.NODE_ENV).toBe('production');
  // Tokens: EdDSA; the private key for the issuer, the public JWKS for everyone else (see the test below).
  expect(svc.environment.JWT_ALGORITHM).toBe('EdDSA');
  if (name === 'merchant-onboarding') expect(svc.environment.JWT_PRIVATE_KEY).toMatch(/^\$\{JWT_PRIVATE_KEY:\?/);
  else expect(svc.environment.JWT_PUBLIC_KEYS).toMatch(/^\$\{JWT_PUBLIC_KEYS:\?/);
  expect(svc.depends_on).toMatchObject({
    kafka: { condition: 'service_healthy' },
    mongo: { condition: 'service_healthy' },
  });
  expect(existsSync(join(repoRoot, 'services', name, 'src/main.ts'))).toBe(true);
});

test.each([
  ['web', '@marketqr/web', () => require(join(repoRoot, 'apps/web/src/server/config.ts')).webConfigShape],
  [
    'bank-simulator',
    '@marketqr/bank-simulator',
    () => require(join(repoRoot, 'infra/bank-simulator/src/config.ts')).simulatorConfigShape,
  ],
] as const)(
  '%s: the shared non-root app Dockerfile, only variables it reads, services addressed by name',
  (name, pkg, shape) => {
    const svc = compose.services[name];
    expect(svc.build.dockerfile).toBe('infra/docker/node-app.Dockerfile');
    expect(svc.build.args.PACKAGE).toBe(pkg);
    // Built for the port it listens on.
    expect(Object.values(svc.environment).map(String)).toContain(svc.build.args.PORT);
    const dockerfile = readFileSync(join(repoRoot, svc.build.dockerfile), 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    const known = new Set(Object.keys(shape() as object));
    for (const key of Object.keys(svc.environment)) expect(known).toContain(key);
    // Inside compose, everything is reached by its service name, never 127.0.0.1.
    for (const value of Object.values(svc.environment)) expect(String(value)).not.toMatch(/127\.0\.0\.1|localhost/);
    for (const dep of svc.depends_on ?? []) expect(compose.services[dep]).toBeDefined();
  },
);

test('only merchant-onboarding receives the token signing key; no service receives a shared JWT secret', () => {
  const holders: string[] = [];
  for (const [name, svc] of Object.entries(compose.services as Record<string, { environment?: object }>)) {
    const env = Object.entries(svc.environment ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    // Neither the variable (or its _FILE form) nor a value taken from it, nor a key pasted in.
    expect(env.filter((e) => /JWT_SECRET/.test(e))).toEqual([]);
    if (env.some((e) => /JWT_PRIVATE_KEY|PRIVATE KEY-----/.test(e))) holders.push(name);
  }
  expect(holders).toEqual(['merchant-onboarding']);
  expect(compose.services['merchant-onboarding'].environment.JWT_PUBLIC_KEYS).toBeUndefined();
  // Only public keys anywhere else; the web app and the simulator verify no token and get no key at all.
  for (const name of ['web', 'bank-simulator'])
    expect(Object.keys(compose.services[name].environment).filter((k) => k.startsWith('JWT_'))).toEqual([]);
});

test('the bank simulator is only in the demo profile, signing with the ledger’s bank-sim secret', () => {
  const sim = compose.services['bank-simulator'];
  expect(sim.profiles).toEqual(['demo']);
  expect(sim.environment.BANK_SIM_WEBHOOK_URL).toBe('http://payment-ledger:4103/webhooks/bank-sim');
  expect(sim.environment.BANK_SIM_WEBHOOK_SECRET).toBe(
    compose.services['payment-ledger'].environment.WEBHOOK_SECRET_BANKSIM,
  );
});
