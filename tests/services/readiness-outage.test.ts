/**
 * `/readyz` is honest: it fails while the database or the broker is down and recovers by itself when they come back,
 * without restarting the service. The outage is real: this test starts a private FerretDB and a private Kafka (its own
 * ports and data directory, through infra/local/infra.sh), stops them, and starts them again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infra, privateInfraPorts, uniqueName, waitFor } from '@marketqr/test-harness';
import { getJson, startServiceProcess, type ServiceProcess } from '../support/service-process';

// Its own ports (found free in beforeAll) and state folder: the shared infrastructure is untouched.
const env = {
  MARKETQR_STATE: mkdtempSync(join(tmpdir(), 'marketqr-outage-')),
  MONGO_PORT: '',
  KAFKA_PORT: '',
  KAFKA_CONTROLLER_PORT: '',
  // FerretDB's PostgreSQL (the default backend) gets its own cluster too, never the shared one's port.
  MARKETQR_PG_PORT: '',
  KAFKA_HEAP: '384m',
};
let svc: ServiceProcess;

const readiness = async () => (await getJson(`${svc.url}/readyz`)).body;
const waitReady = async (want: boolean, what: string) => {
  let last: unknown;
  try {
    await waitFor(
      async () => {
        last = await readiness();
        return (last as { ready?: boolean }).ready === want ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what },
    );
  } catch (err) {
    // Which check kept it from changing, for whoever reads the failure.
    throw new Error(`${(err as Error).message}; last /readyz: ${JSON.stringify(last)}`, { cause: err });
  }
};

beforeAll(async () => {
  Object.assign(env, await privateInfraPorts());
  await infra(['start'], env);
  svc = await startServiceProcess('payment-ledger', {
    KAFKA_BROKERS: `127.0.0.1:${env.KAFKA_PORT}`,
    MONGO_URL: `mongodb://127.0.0.1:${env.MONGO_PORT}`,
    MONGO_DB: uniqueName('test_outage'),
  });
  await waitReady(true, 'ready with both up');
});

afterAll(async () => {
  await svc?.stop();
  await infra(['stop'], env).catch(() => undefined);
  rmSync(env.MARKETQR_STATE, { recursive: true, force: true });
});

test('database down → not ready; back → ready again, same process', async () => {
  await infra(['stop', 'mongo'], env);
  await waitReady(false, '/readyz to fail with the database down');
  const down = await readiness();
  expect(down.checks.mongo.ok).toBe(false);
  expect(down.checks.kafka.ok).toBe(true);

  await infra(['start', 'mongo'], env);
  await waitReady(true, '/readyz to recover');
  expect(svc.child.exitCode).toBeNull();
});

test('broker down → not ready; back → ready again, same process', async () => {
  await infra(['stop', 'kafka'], env);
  await waitReady(false, '/readyz to fail with Kafka down');
  const down = await readiness();
  expect(down.checks.kafka.ok).toBe(false);
  expect(down.checks.mongo.ok).toBe(true);

  await infra(['start', 'kafka'], env);
  await waitReady(true, '/readyz to recover');
  expect(svc.child.exitCode).toBeNull();
});
