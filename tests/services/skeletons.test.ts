/**
 * Each of the five services, built and started as its own process like the README's command starts it, connects to the
 * real broker and its own database, creates its topics, and answers its operational routes honestly.
 */
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, topicsOwnedBy } from '@marketqr/contracts';
import { testInfra, uniqueName, waitFor } from '@marketqr/test-harness';
import { getJson, SERVICES, startServiceProcess, type ServiceProcess } from '../support/service-process';

const prefix = `${uniqueName('svc')}.`;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  const { kafkaBrokers, mongoUrl } = testInfra();
  for (const name of SERVICES) {
    running.push(
      await startServiceProcess(name, {
        KAFKA_BROKERS: kafkaBrokers.join(','),
        MONGO_URL: mongoUrl,
        MONGO_DB: uniqueName(`test_${name}`),
        KAFKA_TOPIC_PREFIX: prefix,
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

describe.each(SERVICES)('%s', (name) => {
  const svc = () => running.find((s) => s.name === name)!;

  test('becomes ready once Kafka and its database answer', async () => {
    const ready = await waitFor(
      async () => {
        const r = await getJson(`${svc().url}/readyz`);
        return r.status === 200 ? r : undefined;
      },
      { what: `${name} /readyz` },
    );
    expect(ready.body).toMatchObject({ ready: true, checks: { mongo: { ok: true }, kafka: { ok: true } } });
  });

  test('answers /healthz, /metrics and /openapi.json', async () => {
    expect((await getJson(`${svc().url}/healthz`)).body).toMatchObject({ status: 'ok', service: name });
    const metrics = await fetch(`${svc().url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('http_request_duration_seconds');
    expect(metrics).toContain(`service="${name}"`);
    const openapi = (await getJson(`${svc().url}/openapi.json`)).body;
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
  });

  test('unknown routes get a JSON 404 with a stable code', async () => {
    const r = await getJson(`${svc().url}/no-such-route`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'HTTP.NOT_FOUND', message: expect.any(String) } });
  });
});

test('each service created the topics it owns', async () => {
  const kafka = new Kafka({ brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = new Set(await admin.listTopics());
  await admin.disconnect();
  for (const name of SERVICES) {
    for (const t of topicsOwnedBy(name)) expect(topics).toContain(prefix + t.name);
  }
  expect(topics).toContain(prefix + TOPICS.merchantEvents.name);
});

test('SIGTERM stops a service gracefully with exit code 0', async () => {
  const svc = running.find((s) => s.name === 'market-insights')!;
  expect(await svc.stop()).toBe(0);
  expect(svc.logs()).toContain('"msg":"stopped"');
});
