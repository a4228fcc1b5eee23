import { randomBytes } from 'node:crypto';

export { infra, localInfraUp, repoRoot, infraScript } from './infra';
export { freePortRun, privateInfraPorts } from './ports';
export { pdfText } from './pdf';
export {
  followEventStream,
  openEventStream,
  type EventStream,
  type FollowedStream,
  type FollowOptions,
  type SseEvent,
} from './sse';

/** A name no other test or run uses: `<label>_<time>_<random>`, safe for databases, topics and group ids. */
export function uniqueName(label: string): string {
  return `${label.replace(/[^a-zA-Z0-9]/g, '_')}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The infrastructure the global setup chose. Throws when a test file runs outside the jest setup. */
export function testInfra(): { kafkaBrokers: string[]; mongoUrl: string; kind: string } {
  const brokers = process.env.KAFKA_BROKERS;
  const mongoUrl = process.env.MONGO_URL;
  if (!brokers || !mongoUrl) throw new Error('KAFKA_BROKERS/MONGO_URL not set: run the tests through jest (pnpm test)');
  return { kafkaBrokers: brokers.split(','), mongoUrl, kind: process.env.MARKETQR_INFRA_KIND ?? 'env' };
}

/**
 * How long a test waits for a condition unless it says otherwise. A deadline only decides when a broken test gives up;
 * a passing one goes on the moment the condition holds, so it is sized for a busy 2-core machine, not a quiet one.
 */
export const DEFAULT_WAIT_MS = 60_000;

/** Polls `probe` until it returns a truthy value or the deadline passes. Tests wait for conditions, never for time. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
/**
 * Waits until `count()` reaches `target`, for work that goes on for a while (hundreds of payments being posted): it
 * gives up only when the count has not moved for `stallMs`, however long the whole takes. A slow machine makes it
 * slower, never a failure; a stuck system still fails, and says where it stopped.
 */
export async function waitForProgress(
  count: () => Promise<number> | number,
  target: number,
  opts: { stallMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const stallMs = opts.stallMs ?? DEFAULT_WAIT_MS;
  let best = -1;
  let movedAt = Date.now();
  for (;;) {
    const n = await count();
    if (n >= target) return;
    if (n > best) {
      best = n;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress for ${stallMs} ms waiting for ${opts.what ?? 'the work'}: ${n} of ${target}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
export { collectTopic, type CollectedMessage } from './kafka-collector';
export { specsMissingFrom } from './openapi';

/**
 * The environment of a service started in this process for a test (`runService(definition, {env})`): the test
 * infrastructure, a database and topic prefix of its own, a free port on loopback, and logs at `TEST_LOG_LEVEL`
 * (warn by default; they go to the services' log file, not the test output). Tests add what is their own.
 */
export function serviceTestEnv(opts: { dbName: string; topicPrefix: string }): NodeJS.ProcessEnv {
  const { kafkaBrokers, mongoUrl } = testInfra();
  return {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    KAFKA_BROKERS: kafkaBrokers.join(','),
    MONGO_URL: mongoUrl,
    MONGO_DB: opts.dbName,
    KAFKA_TOPIC_PREFIX: opts.topicPrefix,
  };
}
