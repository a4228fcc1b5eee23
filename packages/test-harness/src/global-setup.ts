/**
 * Finds the real infrastructure the tests run against, in this order:
 *   1. KAFKA_BROKERS and MONGO_URL from the environment (CI, or a developer's running stack);
 *   2. testcontainers, when a container runtime answers: mongo:8 (one-node replica set) and apache/kafka of the same
 *      version the local scripts run;
 *   3. the project's own local infrastructure (infra/local/infra.sh: Kafka from Maven Central, FerretDB), started if
 *      it is not already running and stopped again at the end if this run started it.
 * The chosen addresses are written to process.env, which the test workers inherit.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { infra, localInfraUp, repoRoot } from './infra';

type Started = { kind: 'env' | 'containers' | 'local'; stop?: () => Promise<void> };
declare global {
  var __MARKETQR_INFRA__: Started | undefined;
}

const KAFKA_IMAGE = 'apache/kafka:4.4.0';
const MONGO_IMAGE = 'mongo:8';

async function containerRuntimeAvailable(): Promise<boolean> {
  if (process.env.MARKETQR_NO_CONTAINERS === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    // "Could not find a working container runtime strategy": no Docker here, which is normal on this project's machines.
    return false;
  }
}

async function startContainers(): Promise<Started> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const mongo = await new MongoDBContainer(MONGO_IMAGE).start();
  // A fixed host port keeps the advertised listener and the mapped port the same.
  const kafkaPort = 19092 + Math.floor(Math.random() * 500);
  const kafka = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  process.env.KAFKA_BROKERS = `localhost:${kafkaPort}`;
  process.env.MONGO_URL = `${mongo.getConnectionString()}/?directConnection=true`;
  return {
    kind: 'containers',
    stop: async () => {
      await kafka.stop();
      await mongo.stop();
    },
  };
}

/**
 * A developer's running infrastructure (`npm start`, `npm run infra start`) is used as it is. Otherwise the tests start
 * their own in a state directory of their own, emptied first: every run creates its topics and databases under fresh
 * prefixes, and a data directory kept across runs grew to thousands of partitions that Kafka then took longer than
 * its start deadline to load. A fresh one is also what CI sees.
 */
async function startLocal(): Promise<Started> {
  if (await localInfraUp()) {
    useLocal(await infra(['start']));
    return { kind: 'local' };
  }
  const env = { MARKETQR_STATE: resolve(repoRoot, '.run', 'test-infra') };
  // KEEP_INFRA=1 left the previous run's infrastructure up: reuse it rather than delete its data under it.
  if (!(await localInfraUp(env))) rmSync(env.MARKETQR_STATE, { recursive: true, force: true });
  useLocal(await infra(['start'], env));
  return {
    kind: 'local',
    stop: process.env.KEEP_INFRA === '1' ? undefined : async () => void (await infra(['stop'], env)),
  };
}

/** Takes the addresses `infra.sh start` reports into the environment the test workers inherit. */
function useLocal(out: string): void {
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1];
  const mongo = /MONGO_URL=(\S+)/.exec(out)?.[1];
  if (!brokers || !mongo) throw new Error(`infra.sh start did not report its addresses:\n${out}`);
  process.env.KAFKA_BROKERS = brokers;
  process.env.MONGO_URL = mongo;
  // Which FerretDB backend the tests run against (a few tests expect what only one of them does).
  const backend = /MONGO_BACKEND=(\S+)/.exec(out)?.[1];
  if (backend) process.env.MARKETQR_MONGO_BACKEND = backend;
}

export default async function globalSetup(): Promise<void> {
  // Services started inside the test workers log to a file, not the console: the console is for jest's report.
  // (Child processes started by tests keep their output in memory and print it only when they fail to start.)
  if (!process.env.LOG_FILE) {
    const dir = resolve(repoRoot, 'test-results', 'logs');
    mkdirSync(dir, { recursive: true });
    process.env.LOG_FILE = resolve(dir, 'services.log');
  }
  let started: Started;
  if (process.env.KAFKA_BROKERS && process.env.MONGO_URL) {
    started = { kind: 'env' };
  } else if (await containerRuntimeAvailable()) {
    started = await startContainers();
  } else {
    started = await startLocal();
  }
  globalThis.__MARKETQR_INFRA__ = started;
  process.env.MARKETQR_INFRA_KIND = started.kind;
  process.stdout.write(
    `\n[test-harness] infrastructure: ${started.kind} (KAFKA_BROKERS=${process.env.KAFKA_BROKERS} MONGO_URL=${process.env.MONGO_URL}); service logs: ${process.env.LOG_FILE}\n`,
  );
}
