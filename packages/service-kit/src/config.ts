import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Settings every service shares. Each service extends this with its own fields (see `loadConfig`).
 * Defaults are for a developer's machine; docker-compose.yml and .env.example set the same names.
 */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)),
  /** Prefix for every topic name and group id, so several test runs or tenants can share one broker. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// URL')
    .default('mongodb://127.0.0.1:27017'),
  /** How long a SIGTERM may take to drain requests and consumers before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
};

/**
 * Reads `env` through a zod shape and fails fast with every problem at once, naming the variables.
 * A secret may be given as `NAME_FILE=/path` (Docker and Kubernetes secrets); the file's trimmed content wins over `NAME`.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const source: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const file = env[`${key}_FILE`];
    if (file) {
      try {
        source[key] = readFileSync(file, 'utf8').trim();
      } catch (e) {
        throw new ConfigError(`cannot read ${key}_FILE=${file}: ${(e as Error).message}`, [`${key}_FILE`]);
      }
    } else if (env[key] !== undefined && env[key] !== '') {
      source[key] = env[key];
    }
  }
  const parsed = z.object(shape).safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  }
  return parsed.data;
}

/** A port number from the environment, with the service's default. 0 asks the OS for a free port (tests). */
export const portSchema = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/**
 * Secrets a service cannot run safely without outside development and test. There a missing one stops the service at
 * start, every missing name listed at once (ConfigError); in development and test a well-known stand-in is used and
 * reported in `defaulted`, for the caller to warn about. `given` maps each variable name to its value (from
 * loadConfig, so `NAME_FILE` already applied) and its development stand-in.
 */
export function productionSecrets<K extends string>(
  nodeEnv: string,
  given: Record<K, { value: string | undefined; development: string }>,
): { values: Record<K, string>; defaulted: K[] } {
  const lenient = nodeEnv === 'development' || nodeEnv === 'test';
  const values = {} as Record<K, string>;
  const defaulted: K[] = [];
  const problems: string[] = [];
  for (const name of Object.keys(given) as K[]) {
    const { value, development } = given[name];
    if (value) values[name] = value;
    else if (lenient) {
      values[name] = development;
      defaulted.push(name);
    } else problems.push(`${name}: required (or ${name}_FILE) outside development and test`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  return { values, defaulted };
}

/**
 * Runs every configuration check a service has beyond its zod shape (auth's, its secrets', cross-field rules) and
 * throws one ConfigError naming all their problems, so a single failed start lists everything to fix. Returns each
 * check's value, in order. Errors that are not ConfigErrors are thrown as they are.
 */
export function checkAll<T extends unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const values: unknown[] = [];
  const problems: string[] = [];
  for (const check of checks) {
    try {
      values.push(check());
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
      values.push(undefined);
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  return values as T;
}

/** A cross-field rule as a check for `checkAll`: `problem` when `ok` is false. */
export function rule(ok: boolean, problem: string): () => void {
  return () => {
    if (!ok) throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  };
}
