/**
 * The Helm chart (deploy/helm/marketqr) has no cluster to run in here, so this keeps it honest offline: it renders the
 * chart with a pinned helm (deploy/scripts/helm.sh builds it once from the Go module proxy), lints it, and checks the
 * manifests against the code they deploy:
 *   - each service's environment passes that service's own production configuration checks: its zod shapes and
 *     `definition.setup` (auth's keys, the secrets `productionSecrets` and `ledgerSecrets` demand), run with the
 *     rendered variables and stand-in secret values. A variable the code requires and the chart forgets fails here,
 *     whatever the variable is, with no list of names to keep up to date;
 *   - probes on /readyz and /healthz at the port the process listens on, Services and disruption budgets that select
 *     the pods, non-root read-only containers, pinned image tags, secrets only from Secret objects;
 *   - requests that cover what bench/results/system.json measured;
 *   - the Strimzi Kafka (KRaft, 3 nodes, RF 3, min ISR 2) with every topic of packages/contracts, and the MongoDB
 *     Community replica set of 3 with one user per service in that service's own database.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { parse, parseAllDocuments } from 'yaml';
import { deadLetterTopic, TOPICS, topicsConsumedBy } from '@marketqr/contracts';
import { ConfigError, createLogger, loadConfig, portSchema, systemClock } from '@marketqr/service-kit';
import { runtimeConfigShape } from '@marketqr/service-runtime';
import { repoRoot } from '@marketqr/test-harness';
import { SERVICES } from '../support/service-process';

const run = promisify(execFile);
const CHART = join(repoRoot, 'deploy/helm/marketqr');
const TEST_VALUES = join(CHART, 'ci/test-values.yaml');
const RELEASE = 'bacgiang';
const NAMESPACE = 'markets';
/** The first call builds helm from source: minutes on a busy 2-core machine (CI builds it before the tests). */
const HELM_BUILD_MS = 30 * 60_000;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  automountServiceAccountToken?: boolean;
}
// Custom resources are walked as plain data; a type per operator schema would add nothing to what is asserted.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = any;
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Spec;
}

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(repoRoot, 'deploy/scripts/helm.sh'), ...args], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
    timeout: HELM_BUILD_MS,
  });
  return stdout;
}

/** `helm template` with the test values plus `set`, parsed. `values: false` renders the chart's defaults alone. */
async function render(set: string[] = [], opts: { values?: boolean } = {}): Promise<Manifest[]> {
  const stdout = await helm([
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    ...(opts.values === false ? [] : ['-f', TEST_VALUES]),
    ...set.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => !!m);
}

/** Why a render fails (helm's message), or '' when it does not. */
async function renderError(set: string[], opts: { values?: boolean } = {}): Promise<string> {
  try {
    await render(set, opts);
    return '';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

const COMPONENTS = [...SERVICES, 'web'] as const;
const of = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind);
const component = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/component'];
const deploymentOf = (docs: Manifest[], name: string) => {
  const found = of(docs, 'Deployment').filter((d) => component(d) === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const podOf = (d: Manifest) => d.spec.template.spec as PodSpec;
const containerOf = (d: Manifest) => {
  expect(podOf(d).containers).toHaveLength(1);
  return podOf(d).containers[0]!;
};
const envOf = (c: Container) => new Map((c.env ?? []).map((e) => [e.name, e]));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const chartYaml = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
  secrets: { existingSecret: string };
  mongodb: { passwordKeyPrefix: string; connectionStringKey: string };
};

/** A service's definition, from its source like the process would load it (jest maps @marketqr/* to src). */
interface Definition {
  name: string;
  defaultPort: number;
  configShape: Parameters<typeof loadConfig>[0];
  setup: (ctx: object) => unknown;
}
const definitionOf = (name: string): Definition =>
  require(join(repoRoot, 'services', name, 'src/service.ts')).definition as Definition;
const defaultDbName = (name: string): string => require(join(repoRoot, 'packages/mongo/src')).defaultDbName(name);

/**
 * Stand-ins for what the operator's Secrets hold, of the shape the services check: a real Ed25519 pair (the issuer
 * loads the private key, verifiers the JWKS), keys of the lengths the config shapes demand.
 */
function standInSecrets(): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { crv, kty, x } = publicKey.export({ format: 'jwk' });
  // The kid merchant-onboarding derives itself (RFC 7638 thumbprint), as scripts/jwt-keys.js writes it.
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
  return {
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ kty, crv, x, kid, alg: 'EdDSA', use: 'sig' }] }),
    ADMIN_PASSWORD: 'stand-in-admin-password',
    BANK_API_KEY: 'stand-in-bank-api-key',
    WEBHOOK_SECRET_BANKSIM: 'stand-in-webhook-secret-bank-sim',
    WEBHOOK_SECRET_SEPAY: 'stand-in-webhook-secret-sepay-01',
    WEBHOOK_SECRET_CASSO: 'stand-in-webhook-secret-casso-01',
    PAYER_HASH_KEY: 'stand-in-payer-hash-key-0123456789abcdef',
    INSIGHTS_PAYER_SALT: 'stand-in-payer-salt-0123456789',
    MONGO_URL: 'mongodb://svc:pw@db-0.db-svc:27017,db-1.db-svc:27017,db-2.db-svc:27017/admin?replicaSet=db&ssl=false',
  };
}
const SECRETS = standInSecrets();

/**
 * The environment a container would see: literal values as they are, secretKeyRefs resolved from the stand-ins
 * (an optional key the Secret does not hold is left out, as Kubernetes does). A reference the test cannot place fails.
 */
function resolveEnv(c: Container, secretNames: { app: string; mongo: Set<string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) {
      env[e.name] = e.value;
      continue;
    }
    const value =
      ref.name === secretNames.app
        ? SECRETS[ref.key]
        : secretNames.mongo.has(ref.name) && ref.key === values.mongodb.connectionStringKey
          ? SECRETS.MONGO_URL
          : undefined;
    if (value !== undefined) env[e.name] = value;
    else if (!ref.optional)
      throw new Error(`${c.name}: ${e.name} reads ${ref.name}/${ref.key}, which nothing provides`);
  }
  return env;
}

/**
 * What the service's process does with its environment before it touches Kafka or the database: the shared and own
 * zod shapes (service-runtime's readConfig), then `setup`, where each service runs its production checks (auth keys,
 * required secrets, cross-field rules). Kafka and mongoose objects are made but never connected.
 */
async function startupChecks(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const def = definitionOf(name);
  const config = {
    ...loadConfig({ ...runtimeConfigShape, PORT: portSchema(def.defaultPort) }, env),
    ...loadConfig(def.configShape, env),
  };
  const db = mongoose.createConnection();
  try {
    await def.setup({
      config,
      logger: createLogger(name, 'silent'),
      kafka: new Kafka({ brokers: config.KAFKA_BROKERS, logLevel: logLevel.NOTHING }),
      db,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      clock: systemClock,
    });
  } finally {
    await db.close();
  }
}

const problemsOf = async (p: Promise<unknown>): Promise<string[]> => {
  try {
    await p;
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

/** Kubernetes quantities: memory in MiB, CPU in cores. */
const mib = (q: string) => {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  const n = Number(m[1]);
  const unit: Record<string, number> = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };
  return n * unit[m[2] ?? 'Mi']!;
};
const cores = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));

let docs: Manifest[];
let secretNames: { app: string; mongo: Set<string> };

beforeAll(async () => {
  docs = await render();
  const mongoUsers: { connectionStringSecretName: string }[] = of(docs, 'MongoDBCommunity')[0]?.spec.users ?? [];
  secretNames = {
    app: values.secrets.existingSecret,
    mongo: new Set(mongoUsers.map((u) => u.connectionStringSecretName)),
  };
}, HELM_BUILD_MS);

test('helm lint --strict passes', async () => {
  const out = await helm(['lint', '--strict', CHART, '-f', TEST_VALUES]);
  expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('every service and the web app has a Deployment, a Service and a PodDisruptionBudget for its pods', () => {
  expect(of(docs, 'Deployment').map(component).sort()).toEqual([...COMPONENTS].sort());
  for (const name of COMPONENTS) {
    const deployment = deploymentOf(docs, name);
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(matches(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);

    const port = containerOf(deployment).ports!.find((p) => p.name === 'http')!.containerPort;
    const services = of(docs, 'Service').filter((s) => matches(s.spec.selector, podLabels));
    expect(services).toHaveLength(1);
    expect(services[0]!.spec.ports).toEqual([expect.objectContaining({ port, targetPort: 'http' })]);

    const budgets = of(docs, 'PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, podLabels));
    expect(budgets).toHaveLength(1);
    expect((budgets[0]!.spec.maxUnavailable ?? 0) + (budgets[0]!.spec.minAvailable ?? 0)).toBeGreaterThan(0);
  }
});

test.each(COMPONENTS)('%s: probes on /readyz and /healthz at the port the process listens on', (name) => {
  const c = containerOf(deploymentOf(docs, name));
  const env = envOf(c);
  const http = c.ports!.find((p) => p.name === 'http')!;
  // The process listens on PORT at HOST; its default host is 127.0.0.1, which no probe or Service reaches.
  expect(env.get('PORT')?.value).toBe(String(http.containerPort));
  expect(env.get('HOST')?.value).toBe('0.0.0.0');
  if (name !== 'web') expect(http.containerPort).toBe(definitionOf(name).defaultPort);
  expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
});

test.each(SERVICES)('%s: the rendered environment passes the service’s own production checks', async (name) => {
  const env = resolveEnv(containerOf(deploymentOf(docs, name)), secretNames);
  expect(env.NODE_ENV).toBe('production');
  expect(await problemsOf(startupChecks(name, env))).toEqual([]);
  // Not a vacuous pass: without what the Secrets hold, the same checks stop the service.
  const withoutSecrets = Object.fromEntries(
    (containerOf(deploymentOf(docs, name)).env ?? [])
      .filter((e) => e.value !== undefined)
      .map((e) => [e.name, e.value]),
  );
  expect(await problemsOf(startupChecks(name, withoutSecrets))).not.toEqual([]);
});

test('the web app reaches each service through its Service, never 127.0.0.1', () => {
  const { webConfigShape } = require(join(repoRoot, 'apps/web/src/server/config.ts'));
  const c = containerOf(deploymentOf(docs, 'web'));
  const config = loadConfig(webConfigShape, resolveEnv(c, secretNames)) as Record<string, unknown>;
  const upstreams: Record<string, string> = {
    MERCHANT_ONBOARDING_URL: 'merchant-onboarding',
    QR_GENERATION_URL: 'qr-generation',
    PAYMENT_LEDGER_URL: 'payment-ledger',
    SETTLEMENT_URL: 'settlement',
    MARKET_INSIGHTS_URL: 'market-insights',
  };
  for (const [key, target] of Object.entries(upstreams)) {
    const svc = of(docs, 'Service').find((s) => s.spec.selector['app.kubernetes.io/component'] === target)!;
    // One URL (the Service balances its pods); the web app reads every upstream as a list of replicas.
    expect(config[key]).toEqual([`http://${svc.metadata.name}:${svc.spec.ports[0].port}`]);
  }
  for (const e of c.env ?? []) expect(e.value ?? '').not.toMatch(/127\.0\.0\.1|localhost/);
  expect(c.env?.filter((e) => e.valueFrom)).toEqual([]);
});

test('secrets come only from Secret objects the operator makes: the chart renders no Secret and no secret value', () => {
  expect(of(docs, 'Secret')).toEqual([]);
  const secretish = /SECRET|PRIVATE_KEY|PUBLIC_KEYS|PASSWORD|SALT|HASH_KEY|API_KEY|MONGO_URL/;
  for (const d of of(docs, 'Deployment')) {
    for (const e of containerOf(d).env ?? []) {
      if (secretish.test(e.name)) {
        expect({ [e.name]: e.valueFrom?.secretKeyRef?.name }).toEqual({ [e.name]: expect.any(String) });
        expect(e.value).toBeUndefined();
      }
      // Nothing that looks like key material or a password-bearing URL appears in plain values anywhere.
      expect(e.value ?? '').not.toMatch(/PRIVATE KEY|mongodb(\+srv)?:\/\/[^/]*@/);
    }
  }
  // Only the issuer holds the signing key; every other service verifies with the public keys.
  const holders = of(docs, 'Deployment').filter((d) => envOf(containerOf(d)).has('JWT_PRIVATE_KEY'));
  expect(holders.map(component)).toEqual(['merchant-onboarding']);
  for (const name of SERVICES.filter((s) => s !== 'merchant-onboarding'))
    expect(envOf(containerOf(deploymentOf(docs, name))).get('JWT_PUBLIC_KEYS')?.valueFrom?.secretKeyRef).toBeDefined();
  expect(
    (containerOf(deploymentOf(docs, 'web')).env ?? []).filter((e) => e.name.startsWith('JWT_') || e.valueFrom),
  ).toEqual([]);
});

test('containers run as a non-root user, read-only, without privilege escalation or an API token', () => {
  for (const d of of(docs, 'Deployment')) {
    const pod = podOf(d);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    // Kubernetes checks runAsNonRoot only against a numeric user; the images' "node" user is uid 1000.
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
  }
});

test('images are pinned to the chart’s appVersion, and a "latest" tag is refused', async () => {
  const images = of(docs, 'Deployment').map((d) => containerOf(d).image);
  for (const image of images) {
    const tag = /:([^:/@]+)(@sha256:[a-f0-9]{64})?$/.exec(image)?.[1];
    expect({ image, tag }).toEqual({ image, tag: chartYaml.appVersion });
  }
  expect(await renderError(['image.tag=latest'])).toMatch(/image tag "latest" is not allowed/);
  expect(await renderError(['paymentLedger.image.tag=latest'])).toMatch(/marketqr-payment-ledger: image tag "latest"/);
  const pinned = await render(['image.tag=2026.12.1', 'global.imageRegistry=registry.example.vn/marketqr']);
  for (const d of of(pinned, 'Deployment'))
    expect(containerOf(d).image).toBe(`registry.example.vn/marketqr/marketqr-${component(d)}:2026.12.1`);
});

test('requests cover what the benchmark measured (bench/results/system.json), limits stay above requests', () => {
  const bench = JSON.parse(readFileSync(join(repoRoot, 'bench/results/system.json'), 'utf8'));
  const peakRss: Record<string, number> = { ...bench.e2e.rssMb, 'qr-generation': bench.qr.peakRssMb };
  const cpuShare: Record<string, number> = bench.e2e.best?.cpu ?? {};
  for (const d of of(docs, 'Deployment')) {
    const { requests = {}, limits = {} } = containerOf(d).resources ?? {};
    const name = component(d)!;
    expect(mib(limits.memory!)).toBeGreaterThanOrEqual(mib(requests.memory!));
    expect(cores(limits.cpu!)).toBeGreaterThanOrEqual(cores(requests.cpu!));
    if (peakRss[name] !== undefined)
      expect({ name, memory: mib(requests.memory!) >= peakRss[name]! }).toEqual({ name, memory: true });
    if (cpuShare[name] !== undefined)
      expect({ name, cpu: cores(requests.cpu!) >= cpuShare[name]! }).toEqual({ name, cpu: true });
  }
});

test('Kafka: a Strimzi KRaft cluster of 3 nodes, RF 3, min.insync.replicas 2, every contract topic declared', () => {
  const [kafka] = of(docs, 'Kafka');
  expect(kafka?.apiVersion).toMatch(/^kafka\.strimzi\.io\//);
  const name = kafka!.metadata.name;
  const pools = of(docs, 'KafkaNodePool').filter((p) => p.metadata.labels?.['strimzi.io/cluster'] === name);
  expect(pools).toHaveLength(1);
  expect(pools[0]!.spec.replicas).toBe(3);
  expect([...pools[0]!.spec.roles].sort()).toEqual(['broker', 'controller']);
  expect(kafka!.spec.kafka.config).toMatchObject({
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'offsets.topic.replication.factor': 3,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
    'auto.create.topics.enable': false,
  });
  // The version MarketQR is tested against (the local infrastructure's and docker-compose's Kafka).
  const pom = readFileSync(join(repoRoot, 'infra/local/kafka/pom.xml'), 'utf8');
  expect(kafka!.spec.kafka.version).toBe(/<kafka.version>([^<]+)</.exec(pom)![1]);
  // The services reach the cluster through its bootstrap Service, on a plain listener that exists.
  expect(kafka!.spec.kafka.listeners).toContainEqual(
    expect.objectContaining({ port: 9092, type: 'internal', tls: false }),
  );
  for (const svc of SERVICES)
    expect(envOf(containerOf(deploymentOf(docs, svc))).get('KAFKA_BROKERS')?.value).toBe(
      `${name}-kafka-bootstrap:9092`,
    );

  const topics = new Map(
    of(docs, 'KafkaTopic')
      .filter((t) => t.metadata.labels?.['strimzi.io/cluster'] === name)
      .map((t) => [t.spec.topicName as string, t.spec]),
  );
  const consumers = new Set(SERVICES.filter((s) => topicsConsumedBy(s).length > 0));
  const expected = [...Object.values(TOPICS), ...[...consumers].map(deadLetterTopic)];
  expect([...topics.keys()].sort()).toEqual(expected.map((t) => t.name).sort());
  for (const t of expected) {
    const spec = topics.get(t.name)!;
    // Fewer partitions than the contract would cap how many replicas of a consumer share the work.
    expect({ topic: t.name, enough: spec.partitions >= t.partitions }).toEqual({ topic: t.name, enough: true });
    expect(spec.replicas).toBe(3);
    expect(spec.config['min.insync.replicas']).toBe(2);
  }
});

test('a topic prefix reaches the services and the topics they are declared under alike', async () => {
  const prefixed = await render(['kafka.topicPrefix=Tinh_BG.']);
  for (const name of SERVICES)
    expect(envOf(containerOf(deploymentOf(prefixed, name))).get('KAFKA_TOPIC_PREFIX')?.value).toBe('Tinh_BG.');
  const topics = of(prefixed, 'KafkaTopic');
  expect(topics.length).toBeGreaterThan(0);
  for (const t of topics) {
    expect(t.spec.topicName).toMatch(/^Tinh_BG\.marketqr\./);
    // Kubernetes names are lower-case DNS labels, whatever the Kafka topic is called.
    expect(t.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  }
});

test('MongoDB: a MongoDB Community replica set of 3, one user per service in its own database only', () => {
  const [mongo] = of(docs, 'MongoDBCommunity');
  expect(mongo?.apiVersion).toBe('mongodbcommunity.mongodb.com/v1');
  expect(mongo!.spec).toMatchObject({ type: 'ReplicaSet', members: 3 });
  expect(mongo!.spec.security.authentication.modes).toEqual(['SCRAM']);
  const users = mongo!.spec.users as {
    name: string;
    roles: { name: string; db: string }[];
    passwordSecretRef: { name: string; key: string };
    connectionStringSecretName: string;
  }[];
  expect(users.map((u) => u.name).sort()).toEqual([...SERVICES].sort());
  for (const name of SERVICES) {
    const user = users.find((u) => u.name === name)!;
    expect(user.roles).toEqual([{ name: 'readWrite', db: defaultDbName(name) }]);
    expect(user.passwordSecretRef).toEqual({
      name: values.secrets.existingSecret,
      key: `${values.mongodb.passwordKeyPrefix}${name}`,
    });
    // The service reads the connection string the operator writes for its own user.
    expect(envOf(containerOf(deploymentOf(docs, name))).get('MONGO_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: user.connectionStringSecretName,
      key: values.mongodb.connectionStringKey,
    });
  }
});

test('with kafka and mongodb disabled, the services use the Kafka and MongoDB named in the values', async () => {
  const external = await render([
    'kafka.enabled=false',
    'mongodb.enabled=false',
    'kafka.external.brokers=kafka-0.example:9092\\,kafka-1.example:9092',
  ]);
  for (const kind of ['Kafka', 'KafkaNodePool', 'KafkaTopic', 'MongoDBCommunity'])
    expect(of(external, kind)).toEqual([]);
  for (const name of SERVICES) {
    const c = containerOf(deploymentOf(external, name));
    expect(envOf(c).get('KAFKA_BROKERS')?.value).toBe('kafka-0.example:9092,kafka-1.example:9092');
    expect(envOf(c).get('MONGO_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: values.secrets.existingSecret,
      key: 'MONGO_URL',
    });
    expect(await problemsOf(startupChecks(name, resolveEnv(c, secretNames)))).toEqual([]);
  }
  expect(await renderError(['kafka.enabled=false'])).toMatch(/kafka\.external\.brokers/);
});

test('without a bank URL the chart refuses to render, unless the bank simulator plays the bank', async () => {
  expect(await renderError([], { values: false })).toMatch(/bank\.baseUrl/);
  expect(of(docs, 'Deployment').map(component)).not.toContain('bank-simulator');

  const demo = await render(['bankSimulator.enabled=true', 'bank.baseUrl='], { values: false });
  const sim = deploymentOf(demo, 'bank-simulator');
  const c = containerOf(sim);
  expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
  const simService = of(demo, 'Service').find((s) => matches(s.spec.selector, sim.spec.template.metadata.labels))!;
  const simUrl = `http://${simService.metadata.name}:${simService.spec.ports[0].port}`;
  for (const name of ['merchant-onboarding', 'settlement'])
    expect(envOf(containerOf(deploymentOf(demo, name))).get('BANK_BASE_URL')?.value).toBe(simUrl);
  expect(envOf(containerOf(deploymentOf(demo, 'web'))).get('BANK_SIMULATOR_URL')?.value).toBe(simUrl);

  // The simulator's own configuration accepts it, and it signs with the ledger's bank-sim secret.
  const { simulatorConfigShape, webhookFromConfig } = require(join(repoRoot, 'infra/bank-simulator/src/config.ts'));
  const env = resolveEnv(c, secretNames);
  const config = loadConfig(simulatorConfigShape, env) as { BANK_SIM_PORT: number };
  expect(config.BANK_SIM_PORT).toBe(c.ports![0]!.containerPort);
  const ledger = of(demo, 'Service').find((s) => s.spec.selector['app.kubernetes.io/component'] === 'payment-ledger')!;
  expect(webhookFromConfig(config).webhooks[0]).toMatchObject({
    url: `http://${ledger.metadata.name}:${ledger.spec.ports[0].port}/webhooks/bank-sim`,
    secret: SECRETS.WEBHOOK_SECRET_BANKSIM,
  });
  expect(env.BANK_SIM_API_KEY).toBe(SECRETS.BANK_API_KEY);
  for (const name of SERVICES)
    expect(
      await problemsOf(startupChecks(name, resolveEnv(containerOf(deploymentOf(demo, name)), secretNames))),
    ).toEqual([]);
});
