/**
 * Infrastructure of a fault scenario's own: FerretDB and Kafka (one broker, or the three-node KRaft cluster) started
 * through infra/local/infra.sh with a MARKETQR_STATE and ports of their own, so a scenario may stop, kill and restart
 * them while the shared infrastructure (9092/9093, 27017, 25432) is never touched. Scenario 3 restarts a one-broker
 * pair; scenarios 8a–8c kill brokers of a cluster.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { createKafka } from '@marketqr/messaging';
import { createLogger } from '@marketqr/service-kit';
import { freePortRun, infra } from '@marketqr/test-harness';

const SHARED_PORTS = new Set([9092, 9093, 27017, 25432]);

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface PrivateInfra {
  /** The environment infra.sh runs with (state folder, ports, broker count). */
  env: Record<string, string>;
  /** Kafka's processes as infra.sh names them: `kafka`, or `kafka-1` … `kafka-3` (node id = the number). */
  nodes: string[];
  /** Every broker's address, in node order (what the services get as KAFKA_BROKERS). */
  brokers: string[];
  mongoUrl: string;
  /** `infra.sh <args>` with this environment (e.g. ['stop', 'kafka'], ['kill', 'kafka-2'], ['start', 'kafka-2']). */
  run(args: string[]): Promise<string>;
  start(): Promise<void>;
  /** Stops everything and deletes the state folder (kept with MARKETQR_KEEP_FAULT_STATE=1). */
  stop(): Promise<void>;
  /** Whether a node's process is alive (its pid file names a live process). */
  alive(node: string): boolean;
  nodeId(node: string): number;
  nodeOf(id: number): string;
  /** Runs `fn` with a fresh admin client on the live brokers (fresh: kafkajs caches metadata per client). */
  withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T>;
  /** Leader, replicas and in-sync replicas of every partition of the given topics. */
  partitions(topics: string[]): Promise<PartitionState[]>;
  /** The topics whose name starts with `prefix`, plus the consumer offsets topic when it exists. */
  topicsOf(prefix: string): Promise<string[]>;
}

/** Free ports in 20000–32000: FerretDB, then Kafka (a broker and a controller port per node), then PostgreSQL. */
export async function privateInfra(label: string, brokers: 1 | 3 = 1): Promise<PrivateInfra> {
  const count = 2 + 2 * brokers;
  const base = await freePortRun(count);
  for (let p = base; p < base + count; p++) {
    if (SHARED_PORTS.has(p)) throw new Error(`refusing to use the shared port ${p}`);
  }
  const env: Record<string, string> = {
    MARKETQR_STATE: mkdtempSync(join(tmpdir(), `marketqr-fault-${label}-`)),
    MONGO_PORT: String(base),
    // infra.sh puts node n on KAFKA_PORT + 2(n-1) and KAFKA_CONTROLLER_PORT + 2(n-1): base+1 … base+2·brokers.
    KAFKA_PORT: String(base + 1),
    KAFKA_CONTROLLER_PORT: String(base + 2),
    KAFKA_BROKERS_COUNT: String(brokers),
    // Only used with MARKETQR_MONGO_BACKEND=postgresql, and then never the shared 25432.
    MARKETQR_PG_PORT: String(base + 1 + 2 * brokers),
    KAFKA_HEAP: '384m',
  };
  const run = (args: string[]) => infra(args, env);
  // infra.sh owns the port scheme: ask it rather than repeat it here.
  const addresses = (await run(['brokers'])).trim().split(',');
  const nodes = brokers === 1 ? ['kafka'] : addresses.map((_, i) => `kafka-${i + 1}`);
  const nodeId = (node: string) => (node === 'kafka' ? 1 : Number(node.slice('kafka-'.length)));
  const pidOf = (node: string): number | undefined => {
    const f = join(env.MARKETQR_STATE!, 'pids', `${node}.pid`);
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  };
  const alive = (node: string) => {
    const pid = pidOf(node);
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const logger = createLogger('fault-infra', 'silent');
  const withAdmin = async <T>(fn: (admin: Admin) => Promise<T>): Promise<T> => {
    const live = nodes.filter(alive).map((n) => addresses[nodes.indexOf(n)]!);
    const kafka = createKafka({
      brokers: live.length ? live : addresses,
      clientId: `fault-${label}-admin`,
      logger,
      kafkaLogLevel: 'error',
      overrides: { retry: { retries: 2, initialRetryTime: 200 }, requestTimeout: 10_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  return {
    env,
    nodes,
    brokers: addresses,
    mongoUrl: `mongodb://127.0.0.1:${env.MONGO_PORT}`,
    run,
    start: async () => void (await run(['start'])),
    stop: async () => {
      await run(['stop']).catch(() => undefined);
      // MARKETQR_KEEP_FAULT_STATE=1 keeps the data (topics, databases, logs) of a failed run to look into.
      if (process.env.MARKETQR_KEEP_FAULT_STATE === '1') process.stdout.write(`[faults] kept ${env.MARKETQR_STATE}\n`);
      else rmSync(env.MARKETQR_STATE!, { recursive: true, force: true });
    },
    alive,
    nodeId,
    nodeOf: (id) => (brokers === 1 ? 'kafka' : `kafka-${id}`),
    withAdmin,
    partitions: (topics) =>
      withAdmin(async (admin) => {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        return meta.flatMap((t) =>
          t.partitions.map((p) => ({
            topic: t.name,
            partition: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
          })),
        );
      }),
    topicsOf: (prefix) =>
      withAdmin(async (admin) =>
        (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t === '__consumer_offsets'),
      ),
  };
}
